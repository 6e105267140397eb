from django.urls import path

from districts import views

app_name = "districts"

urlpatterns = [
    path("karte/", views.district_map, name="map"),
    path("datenquellen/", views.data_sources, name="data_sources"),
    path("orte/", views.poi_list, name="pois"),
]
