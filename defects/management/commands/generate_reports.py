"""Fill the database with realistic synthetic reports for benchmarks and load tests (see defects.generator)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from defects import generator
from defects.models import ReportStatus


def _number(value: float, decimals: int = 0) -> str:
    """Format a number the German way: 1.234.567,8."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


class Command(BaseCommand):
    help = (
        "Erzeugt realistische Testmeldungen mit Verlauf im Stadtgebiet (für Lasttests und Benchmarks): an "
        "Straßen verteilt, nach Kategorien gewichtet, über die letzten Jahre verteilt, mit zum Alter passendem "
        f"Status und zugeordnet wie echte Meldungen. Markiert mit „{generator.GENERATED_MARK}“. Erst nach "
        "import_city, load_categories und load_responsibilities."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="Anzahl der Meldungen (ab 1)")
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help="Startwert des Zufalls (ganze Zahl ab 0): derselbe Startwert ergibt dieselben Meldungen",
        )
        parser.add_argument(
            "--years",
            type=float,
            default=generator.DEFAULT_YEARS,
            help="Zeitraum in Jahren bis heute (Standard: %(default)s)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=generator.DEFAULT_BATCH_SIZE,
            help="Meldungen je Stapel; jeder Stapel ist eine eigene Transaktion (Standard: %(default)s)",
        )
        parser.add_argument(
            "--truncate",
            action="store_true",
            help="Vorher ALLE Meldungen mit Verlauf, Fotos und Abonnements löschen (auch echte)",
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Keine Rückfrage vor dem Löschen",
        )

    def handle(self, *args, **options) -> None:
        try:
            # Everything is checked before anything is deleted.
            generator.generation_check(
                count=options["count"],
                batch_size=options["batch_size"],
                years=options["years"],
                seed=options["seed"],
            )
            if options["truncate"]:
                self._truncate(interactive=options["interactive"])
            seed = options["seed"] if options["seed"] is not None else generator.seed_choose()
            self.stdout.write(
                _("%(count)s Meldungen in Stapeln zu %(batch)s, Startwert %(seed)s …")
                % {"count": _number(options["count"]), "batch": _number(options["batch_size"]), "seed": seed}
            )
            result = generator.reports_generate(
                count=options["count"],
                seed=seed,
                years=options["years"],
                batch_size=options["batch_size"],
                progress=self._progress,
            )
        except generator.GeneratorError as error:
            raise CommandError(error.message) from error
        labels = dict(ReportStatus.choices)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Fertig: %(reports)s Meldungen und %(events)s Verlaufseinträge in %(seconds)s s "
                    "(%(rate)s Meldungen/s, %(rows)s Zeilen/s), Startwert %(seed)s."
                )
                % {
                    "reports": _number(result.reports),
                    "events": _number(result.events),
                    "seconds": _number(result.seconds, 1),
                    "rate": _number(result.reports_per_second),
                    "rows": _number(result.rows_per_second),
                    "seed": result.seed,
                }
            )
        )
        self.stdout.write(
            _("Status: %(statuses)s")
            % {
                "statuses": ", ".join(
                    f"{labels[status]} {_number(number)}" for status, number in result.statuses.items()
                )
            }
        )
        self.stdout.write(
            _("Statistik für den Planer aktualisiert (%(how)s) in %(seconds)s s.")
            % {
                "how": "VACUUM ANALYZE" if result.vacuumed else "ANALYZE",
                "seconds": _number(result.analyze_seconds, 1),
            }
        )

    def _truncate(self, *, interactive: bool) -> None:
        if interactive:
            answer = input(
                _(
                    "ALLE Meldungen werden gelöscht, auch echte, mit Verlauf, Fotos und Abonnements. "
                    "Zum Fortfahren „ja“ eingeben: "
                )
            )
            if answer.strip().lower() not in ("ja", "yes"):
                raise CommandError(_("Abgebrochen: nichts gelöscht, nichts erzeugt."))
        counts = generator.reports_truncate()
        self.stdout.write(
            _(
                "Gelöscht: %(reports)s Meldungen, %(events)s Verlaufseinträge, %(photos)s Fotos, "
                "%(subscriptions)s Abonnements."
            )
            % {
                "reports": _number(counts.reports),
                "events": _number(counts.events),
                "photos": _number(counts.photos),
                "subscriptions": _number(counts.subscriptions),
            }
        )

    def _progress(self, progress: generator.BatchProgress) -> None:
        self.stdout.write(
            _(
                "Stapel %(batch)s/%(batches)s: %(reports)s Meldungen, %(events)s Verlaufseinträge in "
                "%(seconds)s s (%(rate)s Meldungen/s, %(rows)s Zeilen/s); %(done)s von %(total)s."
            )
            % {
                "batch": progress.batch,
                "batches": progress.batches,
                "reports": _number(progress.reports),
                "events": _number(progress.events),
                "seconds": _number(progress.seconds, 1),
                "rate": _number(progress.reports_per_second),
                "rows": _number(progress.rows_per_second),
                "done": _number(progress.reports_done),
                "total": _number(progress.reports_total),
            }
        )
        self.stdout.flush()
