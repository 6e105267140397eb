"""Import or update the city's geography and departments (see districts.services.city_import)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from districts.services import CityImportError, CitySpec, LayerSpec, city_import, city_spec_from_manifest

# Options that describe a city without a manifest; they and a manifest exclude each other.
_EXPLICIT_OPTIONS = (
    "name",
    "slug",
    "official_id",
    "boundary",
    "districts",
    "quarters",
    "streets",
    "pois",
    "departments",
    "district_id_property",
    "district_slug_property",
    "quarter_id_property",
    "quarter_slug_property",
    "kind_property",
)


class Command(BaseCommand):
    help = (
        "Importiert Stadtgrenze, Ortsratsbereiche, Stadtteile, Straßen, öffentliche Einrichtungen und "
        "Fachbereiche aus GeoJSON, entweder nach einem Manifest (city.json) oder nach einzeln angegebenen "
        "Dateien. Wiederholbar."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("manifest", nargs="?", type=Path, help="city.json (Dateinamen relativ dazu)")
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Ortsratsbereiche, Stadtteile und öffentliche Einrichtungen löschen, die in den Dateien fehlen",
        )
        explicit = parser.add_argument_group("ohne Manifest")
        explicit.add_argument("--name")
        explicit.add_argument("--slug")
        explicit.add_argument("--official-id", default="")
        explicit.add_argument("--boundary", type=Path)
        explicit.add_argument("--districts", type=Path)
        explicit.add_argument("--quarters", type=Path)
        explicit.add_argument("--streets", type=Path)
        explicit.add_argument(
            "--pois",
            type=Path,
            help="öffentliche Einrichtungen (OSM-Punkte mit category, osm_type, osm_id; siehe districts.services)",
        )
        explicit.add_argument("--departments", type=Path, help="JSON-Liste der Fachbereiche")
        explicit.add_argument("--name-property", default="name")
        explicit.add_argument("--kind-property", help="Art der Ortsratsbereiche und Stadtteile, z. B. typ")
        explicit.add_argument("--district-id-property")
        explicit.add_argument("--district-slug-property")
        explicit.add_argument("--quarter-id-property")
        explicit.add_argument("--quarter-slug-property")

    def handle(self, *args, **options) -> None:
        try:
            spec = self._spec(options)
            result = city_import(spec=spec, prune=options["prune"], progress=self.stdout.write)
        except CityImportError as error:
            raise CommandError(error.message) from error
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(warning))
        self.stdout.write(
            self.style.SUCCESS(_("%(city)s: Import abgeschlossen.") % {"city": result.city.name})
        )

    def _spec(self, options: dict) -> CitySpec:
        given = [name for name in _EXPLICIT_OPTIONS if options[name] not in (None, "")]
        if options["manifest"] is not None:
            if given:
                raise CommandError(
                    _("Entweder ein Manifest oder --name/--slug/--boundary/… angeben, nicht beides.")
                )
            return city_spec_from_manifest(path=options["manifest"])
        missing = [
            name for name in ("name", "slug", "boundary", "districts", "quarters") if not options[name]
        ]
        if missing:
            raise CommandError(
                _("Ohne Manifest fehlen: %(options)s")
                % {"options": ", ".join("--" + name.replace("_", "-") for name in missing)}
            )
        name_property, kind_property = options["name_property"], options["kind_property"]
        return CitySpec(
            name=options["name"],
            slug=options["slug"],
            official_id=options["official_id"],
            boundary=LayerSpec(file=options["boundary"], name_property=name_property),
            districts=LayerSpec(
                file=options["districts"],
                name_property=name_property,
                id_property=options["district_id_property"],
                slug_property=options["district_slug_property"],
                kind_property=kind_property,
            ),
            quarters=LayerSpec(
                file=options["quarters"],
                name_property=name_property,
                id_property=options["quarter_id_property"],
                slug_property=options["quarter_slug_property"],
                kind_property=kind_property,
            ),
            streets=LayerSpec(file=options["streets"], name_property=name_property)
            if options["streets"]
            else None,
            pois=LayerSpec(file=options["pois"], name_property=name_property) if options["pois"] else None,
            departments_file=options["departments"],
        )
