from django.urls import path

from geo_core.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.my_area, name="my_area"),
]
