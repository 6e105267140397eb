from django.urls import path

from geo_core import views

app_name = "geo_core"

urlpatterns = [
    path("", views.home, name="home"),
    path("bereich/<slug:slug>/", views.area, name="area"),
]
