"""Registry of the sections on a person's page "Mein Bereich".

The accounts app owns the page but knows nothing about reports, contributions or listings; the apps that do
register a section in their ``AppConfig.ready()``::

    from geo_core.accounts.my_area import MyAreaSection, register_section

    register_section(
        MyAreaSection(
            key="reports",
            title=_("Meine Meldungen"),
            template_name="defects/my_area/reports.html",
            get_context=lambda user: {"reports": report_list_for_reporter(reporter=user)},
            order=10,
        )
    )

The page renders every section in ``order`` (then ``key``) inside its own ``<section>`` with the title as its
heading; the section's template renders only the body, with the dictionary from ``get_context`` plus
``section`` and ``request`` as its context. ``get_context`` must return only what the person may see about
themselves, and must stay cheap: it runs on every visit of the page (paginate or limit lists).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.text import slugify

if TYPE_CHECKING:
    from geo_core.accounts.models import User


@dataclass(frozen=True)
class MyAreaSection:
    key: str
    title: str | Promise
    template_name: str
    get_context: Callable[["User"], dict[str, Any]] = field(compare=False)
    order: int = 100
    # Whether the person gets this section at all (e.g. only staff); None: everybody.
    is_visible: Callable[["User"], bool] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.key or slugify(self.key) != self.key:
            raise ImproperlyConfigured(f"A section key must be a slug such as 'reports', not {self.key!r}.")


@dataclass(frozen=True)
class RenderedSection:
    key: str
    title: str | Promise
    html: SafeString


_sections: dict[str, MyAreaSection] = {}


def register_section(section: MyAreaSection) -> None:
    """Add a section to the page; a key can be registered only once."""
    if section.key in _sections:
        raise ImproperlyConfigured(f"A section with the key {section.key!r} is already registered.")
    _sections[section.key] = section


def unregister_section(key: str) -> None:
    """Remove a section; unknown keys are ignored (useful in tests)."""
    _sections.pop(key, None)


def registered_sections() -> list[MyAreaSection]:
    return sorted(_sections.values(), key=lambda section: (section.order, section.key))


def render_sections(*, request: HttpRequest, user: "User") -> list[RenderedSection]:
    """Render every registered section for ``user``, in order."""
    rendered = []
    for section in registered_sections():
        if section.is_visible is not None and not section.is_visible(user):
            continue
        context = {**section.get_context(user), "section": section}
        html = render_to_string(section.template_name, context, request=request)
        rendered.append(RenderedSection(key=section.key, title=section.title, html=html))
    return rendered
