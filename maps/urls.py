from django.urls import path

from maps import views

app_name = "maps"

urlpatterns = [
    path("", views.city_map, name="city_map"),
    path("einbetten/", views.city_map_embed, name="embed"),
]
