"""Load the Mängelmelder's category groups, categories, questions and status labels (see defects.seed)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from defects import seed
from defects.management.commands._output import write_counts


class Command(BaseCommand):
    help = (
        "Lädt Kategoriegruppen, Kategorien mit Zusatzfragen und fehlende Statusbezeichnungen aus einer "
        "JSON-Datei (z. B. defects/data/categories.json). Wiederholbar; nichts wird gelöscht."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="JSON-Datei mit groups, categories, status_labels")

    def handle(self, *args, **options) -> None:
        try:
            data = seed.seed_file_read(path=options["path"])
            counts = seed.categories_load(
                entries=data.get("categories"),
                groups=data.get("groups", []),
                status_labels=data.get("status_labels", []),
            )
        except seed.SeedError as error:
            raise CommandError(error.message) from error
        write_counts(self, _("Kategoriegruppen"), counts.groups)
        write_counts(self, _("Kategorien"), counts.categories)
        write_counts(self, _("Zusatzfragen"), counts.questions)
        write_counts(self, _("Statusbezeichnungen (vorhandene bleiben unverändert)"), counts.status_labels)
