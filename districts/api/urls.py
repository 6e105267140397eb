"""Public geography API, included under /api/v1/ in the ``api`` namespace."""

from django.urls import path

from districts.api import views

urlpatterns = [
    path("districts/", views.DistrictListView.as_view(), name="district-list"),
    path("districts/<slug:slug>/", views.DistrictDetailView.as_view(), name="district-detail"),
    path("quarters/", views.QuarterListView.as_view(), name="quarter-list"),
    path("pois/", views.PoiListView.as_view(), name="poi-list"),
    path("locate/", views.LocateView.as_view(), name="locate"),
    path("streets/", views.StreetSearchView.as_view(), name="street-search"),
]
