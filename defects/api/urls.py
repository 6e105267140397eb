"""The Mängelmelder API, included under /api/v1/ in the ``api`` namespace."""

from django.urls import include, path

from defects.api import statistics, views

urlpatterns = [
    path("categories/", views.CategoryListView.as_view(), name="category-list"),
    path("reports/", views.ReportListCreateView.as_view(), name="report-list"),
    path("reports/<int:id>/", views.ReportDetailView.as_view(), name="report-detail"),
    path("workspace/", include("defects.api.urls_workspace")),
    path("statistics/heatmap/", statistics.HeatmapView.as_view(), name="statistics-heatmap"),
    path("statistics/districts/", statistics.DistrictStatisticsView.as_view(), name="statistics-districts"),
]
