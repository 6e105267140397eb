from django.urls import path

from geo_core.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.my_area, name="my_area"),
    path("profil/", views.profile_edit, name="profile_edit"),
    path("konto-loeschen/", views.account_delete, name="delete"),
    path("datenschutz/", views.privacy, name="privacy"),
]
