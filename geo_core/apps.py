from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoCoreConfig(AppConfig):
    name = "geo_core"
    label = "geo_core"
    verbose_name = _("Plattform-Grundlagen")

    def ready(self) -> None:
        from geo_core import checks  # noqa: F401  (registers the system checks)
