"""The platform's areas, as shown in the main navigation and on the home page.

An area that is not built yet points to an honest "in preparation" page; when an app delivers the area, it
sets ``url_name`` to its own start page.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Area:
    slug: str
    title: str | Promise
    summary: str | Promise
    url_name: str | None = None

    @property
    def url(self) -> str:
        if self.url_name:
            try:
                return reverse(self.url_name)
            except NoReverseMatch:
                pass
        return reverse("geo_core:area", kwargs={"slug": self.slug})

    @property
    def is_available(self) -> bool:
        return self.url_name is not None


AREAS: tuple[Area, ...] = (
    Area(
        "maengelmelder",
        _("Mängelmelder"),
        _("Schäden und Mängel im öffentlichen Raum melden und ihren Stand verfolgen, ohne Konto."),
        url_name="defects:index",
    ),
    Area(
        "karte",
        _("Karte"),
        _("Die Stadt auf einer Karte: Ortsratsbereiche, Stadtteile und alles, was in ihnen geschieht."),
        url_name="maps:city_map",
    ),
    Area(
        "beteiligung",
        _("Beteiligung"),
        _("Bei Planungen und Vorhaben der Stadt mitreden: Ideen einbringen, kommentieren, unterstützen."),
    ),
    Area(
        "ehrenamt",
        _("Ehrenamt"),
        _("Suche & Biete: Engagement finden oder Hilfe anbieten, mit Vereinen und Initiativen vor Ort."),
    ),
    Area(
        "veranstaltungen",
        _("Veranstaltungen"),
        _("Was in der Stadt los ist: als Liste, auf der Karte und als Kalender zum Abonnieren."),
    ),
    Area(
        "demokratie",
        _("Demokratie & Politik"),
        _("Rat der Stadt, Ortsräte und die Wege, sich an der Kommunalpolitik zu beteiligen."),
    ),
)


def area_by_slug(slug: str) -> Area | None:
    return next((area for area in AREAS if area.slug == slug), None)
