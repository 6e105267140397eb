"""Load which department handles which category, citywide or per district (see defects.seed)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from defects import seed
from defects.management.commands._output import write_counts


class Command(BaseCommand):
    help = (
        "Lädt Zuständigkeiten (Kategorie, Ortsratsbereich oder stadtweit, Fachbereich) aus einer JSON-Datei, "
        "z. B. districts/data/cities/wolfsburg/responsibilities.json. Erst nach import_city und "
        "load_categories. Wiederholbar; nichts wird gelöscht."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="JSON-Datei mit responsibilities")

    def handle(self, *args, **options) -> None:
        try:
            data = seed.seed_file_read(path=options["path"])
            counts = seed.responsibilities_load(entries=data.get("responsibilities"))
        except seed.SeedError as error:
            raise CommandError(error.message) from error
        write_counts(self, _("Zuständigkeiten"), counts)
