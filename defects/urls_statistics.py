"""The planner dashboard (planners, administrators, superusers), included at ``auswertung/``."""

from django.urls import path

from defects.views import statistics

app_name = "statistics"

urlpatterns = [
    path("", statistics.dashboard, name="dashboard"),
    path("ortsratsbereiche.csv", statistics.districts_csv, name="districts_csv"),
    path("fachbereiche.csv", statistics.departments_csv, name="departments_csv"),
    path("rasterzellen.csv", statistics.cells_csv, name="cells_csv"),
]
