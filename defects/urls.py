from django.urls import path

from defects.views import public, submit

app_name = "defects"

urlpatterns = [
    path("", public.index, name="index"),
    path("melden/", submit.report_new, name="report_new"),
    path("melden/gesendet/", submit.report_submitted, name="report_submitted"),
    path("bestaetigen/<int:report_id>/<str:token>/", submit.report_confirm, name="report_confirm"),
    path("meldungen/", public.report_list, name="report_list"),
    path("karte/", public.report_map, name="report_map"),
    path("meldungen/<int:pk>/", public.report_detail, name="report_detail"),
    path("meldungen/<int:pk>/unterstuetzen/", public.report_support, name="report_support"),
    path("meldungen/<int:pk>/verwalten/<str:token>/", public.report_manage, name="report_manage"),
    path(
        "abonnement/<int:subscription_id>/bestaetigen/<str:token>/",
        public.subscription_confirm,
        name="subscription_confirm",
    ),
    path(
        "abonnement/<int:subscription_id>/abbestellen/<str:token>/",
        public.subscription_cancel,
        name="subscription_cancel",
    ),
]
