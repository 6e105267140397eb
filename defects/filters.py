"""The filters of the public report list, the report map and the "reports" map layer: one parser for all.

``ReportFilterForm`` reads the query string (``category``, ``status``, ``district``, ``created_from``,
``created_to``: the names and error codes of ``GET /api/v1/reports/``), renders the GET form of the pages and
turns what it accepted into the keyword arguments of ``defects.selectors.report_public_list``. A value it
cannot use becomes a field error with a stable code and a German message: the pages show the message and
apply the other filters, the map layer answers 400.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from defects import selectors
from defects.models import Category, Report, ReportStatus
from districts.selectors import districts_with_quarters
from geo_core.forms import QueryFilterForm

# Every status but "unconfirmed" can be public.
PUBLIC_STATUSES: tuple[str, ...] = tuple(
    value for value in ReportStatus.values if value != ReportStatus.UNCONFIRMED
)

# German keyboards type dates as 24.12.2025; date pickers send 2025-12-24.
DATE_INPUT_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y")


class ReportFilterErrorCode:
    """Stable codes of filter values that cannot be used (the same as the report API's)."""

    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_STATUS = "unknown_status"
    UNKNOWN_DISTRICT = "unknown_district"
    INVALID_DATE = "invalid_date"
    DATE_RANGE_INVERTED = "date_range_inverted"


def category_filter_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Return every category (inactive ones too: their reports stay public) as slug choices grouped by group."""
    groups: dict[str, list[tuple[str, str]]] = {}
    categories = Category.objects.select_related("group").only("name", "slug", "group__name")
    for category in categories.order_by("group__position", "group__name", "position", "name"):
        groups.setdefault(category.group.name, []).append((category.slug, category.name))
    return list(groups.items())


def _read_once(build: Callable[[], list]) -> Callable[[], list]:
    """Return ``build`` as lazy widget choices that are read at most once (rendering iterates them twice)."""
    return functools.cache(build)


def _status_filter_choices() -> list[tuple[str, str]]:
    labels = selectors.status_labels()
    return [("", _("Alle Status")), *((value, labels.get(value, value)) for value in PUBLIC_STATUSES)]


def _parse_date(raw: str) -> datetime.date:
    for pattern in DATE_INPUT_FORMATS:
        try:
            return datetime.datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise ValidationError(
        _("„%(value)s“ ist kein gültiges Datum. Bitte geben Sie es als TT.MM.JJJJ an."),
        code=ReportFilterErrorCode.INVALID_DATE,
        params={"value": raw[:40]},
    )


class ReportFilterForm(QueryFilterForm):
    """The filters of the public pages. Values are checked here, so that a bad link never causes an error page.

    ``fields`` limits the form to some filters (the map has no district filter: it shows the districts).
    """

    category = forms.CharField(label=_("Kategorie"), required=False)
    status = forms.CharField(label=_("Status"), required=False)
    district = forms.CharField(label=_("Ortsratsbereich"), required=False)
    created_from = forms.CharField(
        label=_("Gemeldet ab"),
        required=False,
        help_text=_("Datum, z. B. 01.03.2025"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    created_to = forms.CharField(
        label=_("Gemeldet bis"),
        required=False,
        help_text=_("Datum, z. B. 31.03.2025"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        fields: tuple[str, ...] | None = None,
        prefix: str | None = None,
    ) -> None:
        super().__init__(data, fields=fields, prefix=prefix)
        self._category_ids: dict[str, int] = {}
        # The choices are read when the form is rendered, not when it only validates: the map layer filters
        # every tile and page through this form, and the values are checked by their own lookups below.
        if "category" in self.fields:
            self.fields["category"].widget = forms.Select(
                choices=_read_once(lambda: [("", _("Alle Kategorien")), *category_filter_choices()])
            )
        if "status" in self.fields:
            self.fields["status"].widget = forms.Select(choices=_read_once(_status_filter_choices))
        if "district" in self.fields:
            self.fields["district"].widget = forms.Select(
                choices=_read_once(
                    lambda: [
                        ("", _("Alle Ortsratsbereiche")),
                        *((district.slug, district.name) for district in districts_with_quarters()),
                    ]
                )
            )

    def clean_category(self) -> str:
        slug = self.cleaned_data["category"].strip()
        if not slug:
            return ""
        category_id = Category.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if category_id is None:
            raise ValidationError(
                _("Die Kategorie „%(value)s“ gibt es nicht; es werden alle Kategorien gezeigt."),
                code=ReportFilterErrorCode.UNKNOWN_CATEGORY,
                params={"value": slug[:50]},
            )
        self._category_ids[slug] = category_id
        return slug

    def clean_status(self) -> str:
        status = self.cleaned_data["status"].strip()
        if status and status not in PUBLIC_STATUSES:
            raise ValidationError(
                _("Den Status „%(value)s“ gibt es nicht; es werden alle Status gezeigt."),
                code=ReportFilterErrorCode.UNKNOWN_STATUS,
                params={"value": status[:30]},
            )
        return status

    def clean_district(self) -> str:
        slug = self.cleaned_data["district"].strip()
        if slug and not districts_with_quarters().filter(slug=slug).exists():
            raise ValidationError(
                _("Den Ortsratsbereich „%(value)s“ gibt es nicht; es werden alle Ortsratsbereiche gezeigt."),
                code=ReportFilterErrorCode.UNKNOWN_DISTRICT,
                params={"value": slug[:50]},
            )
        return slug

    def clean_created_from(self) -> datetime.date | None:
        raw = self.cleaned_data["created_from"].strip()
        return _parse_date(raw) if raw else None

    def clean_created_to(self) -> datetime.date | None:
        raw = self.cleaned_data["created_to"].strip()
        return _parse_date(raw) if raw else None

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            self.add_error(
                "created_to",
                ValidationError(
                    _("„Gemeldet bis“ liegt vor „Gemeldet ab“; der Zeitraum wird nicht angewendet."),
                    code=ReportFilterErrorCode.DATE_RANGE_INVERTED,
                ),
            )
            cleaned.pop("created_from", None)
        return cleaned

    def selector_kwargs(self) -> dict:
        """Return the accepted filters as keyword arguments of ``report_public_list`` (bad ones left out)."""
        self.is_valid()  # runs the validation once; the fields that failed are not in cleaned_data
        data = self.cleaned_data
        kwargs: dict = {}
        if data.get("category"):
            kwargs["category_ids"] = [self._category_ids[data["category"]]]
        if data.get("status"):
            kwargs["statuses"] = [data["status"]]
        if data.get("district"):
            kwargs["district_slug"] = data["district"]
        if data.get("created_from"):
            kwargs["date_from"] = data["created_from"]
        if data.get("created_to"):
            kwargs["date_to"] = data["created_to"]
        return kwargs

    def query(self) -> dict[str, str]:
        """Return the accepted filters as query parameters, as the form would send them (for links)."""
        self.is_valid()
        data = self.cleaned_data
        query = {name: data[name] for name in ("category", "status", "district") if data.get(name)}
        for name in ("created_from", "created_to"):
            if data.get(name):
                query[name] = data[name].isoformat()
        return query

    @property
    def is_filtered(self) -> bool:
        return bool(self.query())

    def error_messages(self) -> list[str]:
        """Return the messages of the filters that were not applied, in field order."""
        self.is_valid()
        return [
            str(message) for field in self.fields if field in self.errors for message in self.errors[field]
        ]


MAP_FILTER_FIELDS = ("category", "status", "created_from", "created_to")


def report_layer_filter_form(data: QueryDict, prefix: str) -> ReportFilterForm:
    """Return the filter form of the "reports" layer on map pages (its fields named ``<prefix>-<field>``)."""
    return ReportFilterForm(data, fields=MAP_FILTER_FIELDS, prefix=prefix)


def report_layer_filter(queryset: QuerySet[Report], params: QueryDict) -> QuerySet[Report]:
    """Narrow the "reports" map layer by the list filters; raise ``ValidationError`` for values it cannot use."""
    if not any(name in params for name in ReportFilterForm.base_fields):
        # Most tiles and pages are unfiltered: no form to build for them.
        return queryset
    form = ReportFilterForm(params)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    kwargs = form.selector_kwargs()
    if not kwargs:
        return queryset
    # The selector decides what each filter means (e.g. which day a report belongs to); the layer's bbox
    # and fields stay those of ``queryset``.
    return queryset.filter(pk__in=selectors.report_public_list(**kwargs).order_by().values("pk"))
