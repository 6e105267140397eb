"""Re-route reports after district or quarter boundaries changed (see defects.services.reports_reroute)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from defects.errors import RoutingNotConfigured
from defects.services import reports_reroute
from districts.selectors import district_get


class Command(BaseCommand):
    help = (
        "Ordnet Meldungen nach einer Änderung der Gebietsgrenzen neu zu: Ortsratsbereich und Stadtteil nach "
        "ihrem Ort, noch offene Meldungen auch dem dort zuständigen Fachbereich. import_city und die "
        "Verwaltung tun das selbst; dieser Befehl ist für Nacharbeiten. Wiederholbar."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--district",
            action="append",
            dest="districts",
            metavar="SLUG",
            help="nur Meldungen dieses Ortsratsbereichs oder darin gelegene (mehrfach möglich); sonst alle",
        )

    def handle(self, *args, **options) -> None:
        district_ids = None
        if options["districts"]:
            district_ids = []
            for slug in options["districts"]:
                district = district_get(slug=slug)
                if district is None:
                    raise CommandError(_("Einen Ortsratsbereich „%(slug)s“ gibt es nicht.") % {"slug": slug})
                district_ids.append(district.pk)
        try:
            result = reports_reroute(district_ids=district_ids)
        except RoutingNotConfigured as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(str(result)))
