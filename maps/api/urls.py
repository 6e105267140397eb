"""Map layer API, included under /api/v1/ in the ``api`` namespace."""

from django.urls import path

from maps.api import views

urlpatterns = [
    path("layers/", views.LayerListView.as_view(), name="map-layer-list"),
    path("layers/<slug:name>/features/", views.LayerFeaturesView.as_view(), name="map-layer-features"),
    path(
        "layers/<slug:name>/tiles/<int:z>/<int:x>/<int:y>.pbf",
        views.LayerTileView.as_view(),
        name="map-layer-tile",
    ),
    path("layers/<slug:name>/clusters/", views.LayerClustersView.as_view(), name="map-layer-clusters"),
]
