from django.urls import path

app_name = "districts"

urlpatterns: list = []
