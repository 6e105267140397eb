"""The department workspace (staff only), included at ``arbeitsbereich/``."""

from django.urls import path

from defects.views import workspace

app_name = "workspace"

urlpatterns = [
    path("", workspace.queue, name="queue"),
    path("karte/", workspace.queue_map, name="queue_map"),
    path("karte/meldungen.geojson", workspace.queue_geojson, name="queue_geojson"),
    path("export.csv", workspace.queue_export, name="queue_export"),
    path("sammelaktion/", workspace.queue_bulk, name="queue_bulk"),
    path("filter/speichern/", workspace.saved_filter_save, name="saved_filter_save"),
    path("filter/<int:pk>/", workspace.saved_filter_apply, name="saved_filter_apply"),
    path("filter/<int:pk>/loeschen/", workspace.saved_filter_delete, name="saved_filter_delete"),
    path("meldungen/<int:pk>/", workspace.report_work, name="report"),
    path("meldungen/<int:pk>/<slug:action>/", workspace.report_action, name="report_action"),
]
