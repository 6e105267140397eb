"""Shared output of the load commands: what was created, updated, left alone and kept."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from defects.seed import LoadCounts


def write_counts(command: BaseCommand, title: str, counts: LoadCounts) -> None:
    command.stdout.write(
        _("%(title)s: %(read)d gelesen, %(created)d neu, %(updated)d geändert, %(unchanged)d unverändert.")
        % {
            "title": title,
            "read": counts.read,
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
        }
    )
    if counts.kept:
        command.stdout.write(
            command.style.WARNING(
                _("%(title)s: nicht in der Datei, aber behalten: %(names)s")
                % {"title": title, "names": ", ".join(counts.kept)}
            )
        )
