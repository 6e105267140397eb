from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistrictsConfig(AppConfig):
    name = "districts"
    label = "districts"
    verbose_name = _("Stadtgebiet und Organisation")

    def ready(self) -> None:
        from districts import layers  # noqa: F401  (registers the districts' map layers)
