from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DefectsConfig(AppConfig):
    name = "defects"
    label = "defects"
    verbose_name = _("Mängelmelder")

    def ready(self) -> None:
        from defects import layers, my_area, my_area_statistics, my_area_workspace, services  # noqa: F401  (register the "reports" map layer and "Meine Meldungen")
        from districts.boundaries import register_boundary_change_handler
        from geo_core.accounts.deletion import register_deletion_hook

        # Deleting an account keeps the person's reports for the city but removes their name and phone.
        register_deletion_hook(key="defects", hook=services.report_anonymise_for_reporter)
        # New district or quarter boundaries (import, admin) re-route the reports they move.
        register_boundary_change_handler(key="defects", handler=services.reports_reroute)
