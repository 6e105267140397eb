"""Forms of the department workspace: the queue's filters and the actions on a report.

Forms only parse; every action is one call of ``defects.workspace_services``. Each action form carries the
report's ``version`` as the staff member saw it, so a change in between is a conflict, not a lost update.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from defects.models import Category, Priority, ReportStatus
from defects.workspace_selectors import QueueFilters, queue_departments
from districts.models import Department, District, Quarter

QUEUE_FILTER_FIELDS = (
    "department",
    "status",
    "category",
    "district",
    "quarter",
    "priority",
    "assignee",
    "min_age_days",
    "overdue",
    "q",
)

QUEUE_STATUS_CHOICES = [
    (value, label) for value, label in ReportStatus.choices if value != ReportStatus.UNCONFIRMED
]


def _colleagues(departments):
    return (
        get_user_model()
        .objects.filter(department_memberships__department__in=departments, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


def _assignee_choices(departments) -> list[tuple[str, str]]:
    return [
        ("", _("alle")),
        ("me", _("mir")),
        ("none", _("niemandem")),
        *((str(person.pk), user_label(person)) for person in _colleagues(departments)),
    ]


def user_label(user) -> str:
    return user.get_full_name() or user.email or user.get_username()


class QueueFilterForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Fachbereich"), queryset=Department.objects.none(), required=False, empty_label=_("alle")
    )
    status = forms.MultipleChoiceField(
        label=_("Status"), choices=QUEUE_STATUS_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    category = forms.ModelChoiceField(
        label=_("Kategorie"), queryset=Category.objects.all(), required=False, empty_label=_("alle")
    )
    district = forms.ModelChoiceField(
        label=_("Ortsratsbereich"), queryset=District.objects.all(), required=False, empty_label=_("alle")
    )
    quarter = forms.ModelChoiceField(
        label=_("Stadtteil"), queryset=Quarter.objects.all(), required=False, empty_label=_("alle")
    )
    priority = forms.ChoiceField(
        label=_("Priorität"), choices=[("", _("alle")), *Priority.choices], required=False
    )
    assignee = forms.ChoiceField(label=_("Bearbeitet von"), required=False)
    min_age_days = forms.IntegerField(
        label=_("Älter als (Tage)"), min_value=0, max_value=3650, required=False
    )
    overdue = forms.BooleanField(label=_("nur überfällige"), required=False)
    q = forms.CharField(
        label=_("Suche"),
        required=False,
        max_length=200,
        help_text=_("Nummer, Adresse oder Text der Beschreibung"),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        departments = queue_departments(user=user)
        self.fields["department"].queryset = departments
        self.fields["district"].queryset = District.objects.order_by("name")
        self.fields["quarter"].queryset = Quarter.objects.order_by("name")
        # A callable: the colleagues are read when the form is rendered or an assignee is chosen, not for
        # every page of the queue API.
        self.fields["assignee"].choices = functools.partial(_assignee_choices, departments)

    def filters(self) -> QueueFilters:
        """Return the valid filters; invalid fields (see ``errors``) filter nothing."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if self.is_bound and not self.is_valid():
            data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return QueueFilters(
            department=data["department"].pk if data.get("department") else None,
            statuses=tuple(data.get("status") or ()),
            category=data["category"].pk if data.get("category") else None,
            district=data["district"].pk if data.get("district") else None,
            quarter=data["quarter"].pk if data.get("quarter") else None,
            priority=data.get("priority") or None,
            assignee=data.get("assignee") or None,
            min_age_days=data.get("min_age_days") or None,
            overdue=bool(data.get("overdue")),
            q=data.get("q") or "",
        )

    def query_string(self) -> str:
        """Return the valid filters as a query string (for links, the map, the export and saved filters)."""
        if not self.is_bound:
            return ""
        self.is_valid()
        pairs = []
        for name in QUEUE_FILTER_FIELDS:
            if name in self.errors:
                continue
            for value in self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data.get(name)]:
                if value not in (None, ""):
                    pairs.append((name, value))
        return urlencode(pairs)


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Name des Filters"), max_length=100)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=1000)


# --- Actions on a report ---------------------------------------------------------------------------------


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AcceptForm(VersionedForm):
    pass


class HandBackForm(VersionedForm):
    reason = forms.CharField(label=_("Begründung"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class ForwardForm(VersionedForm):
    department = forms.ModelChoiceField(
        label=_("an Fachbereich"), queryset=Department.objects.filter(is_active=True).order_by("name")
    )
    reason = forms.CharField(label=_("Begründung"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class AssignForm(VersionedForm):
    assignee = forms.ChoiceField(label=_("Zuweisen an"), required=False)

    def __init__(self, *args, report, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("me", _("mich")),
            ("", _("niemanden")),
            *(
                (str(person.pk), user_label(person))
                for person in _colleagues([report.department_id])
                if person.pk != user.pk
            ),
        ]

    def assignee_user(self, user):
        value = self.cleaned_data.get("assignee")
        if value == "me":
            return user
        if not value:
            return None
        return get_user_model().objects.filter(pk=int(value)).first()


class PriorityForm(VersionedForm):
    priority = forms.ChoiceField(label=_("Priorität"), choices=Priority.choices)


class StatusForm(VersionedForm):
    to_status = forms.ChoiceField(label=_("Neuer Status"))
    template = forms.ChoiceField(
        label=_("Antwortvorlage"),
        required=False,
        help_text=_("Der Text der Vorlage wird verwendet, wenn die öffentliche Nachricht leer bleibt."),
    )
    public_message = forms.CharField(
        label=_("Öffentliche Nachricht"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("Erscheint auf der Seite der Meldung und in der E-Mail an die meldende Person."),
    )
    internal_note = forms.CharField(
        label=_("Interne Notiz"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Nur für die Verwaltung sichtbar."),
    )
    duplicate_of = forms.IntegerField(label=_("Duplikat von Meldung Nr."), required=False, min_value=1)

    def __init__(self, *args, statuses, templates, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(ReportStatus.choices)
        self.fields["to_status"].choices = [("", _("– bitte wählen –"))] + [
            (status, labels[status]) for status in statuses
        ]
        self.templates = {str(template.pk): template for template in templates}
        self.fields["template"].choices = [("", _("keine"))] + [
            (key, f"{template.title} ({labels[template.status]})" if template.status else template.title)
            for key, template in self.templates.items()
        ]

    def message(self) -> str:
        """Return the public message, or the chosen template's text if the message was left empty."""
        text = (self.cleaned_data.get("public_message") or "").strip()
        if not text and self.cleaned_data.get("template"):
            text = self.templates[self.cleaned_data["template"]].text
        return text


class NoteForm(VersionedForm):
    internal_note = forms.CharField(
        label=_("Interne Notiz"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class AfterPhotoForm(VersionedForm):
    # A plain file field: defects.photos decides what is an image (and answers with its stable codes).
    photo = forms.FileField(
        label=_("Foto nach der Erledigung"), widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )


class BulkForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, required=True, label=_("Meldungen"))
    action = forms.ChoiceField(choices=[("assign", _("zuweisen")), ("status", _("Status ändern"))])
    assignee = forms.ChoiceField(label=_("Zuweisen an"), required=False, initial="me")
    to_status = forms.ChoiceField(
        label=_("Neuer Status"), required=False, choices=[("", "—"), *QUEUE_STATUS_CHOICES]
    )
    public_message = forms.CharField(
        label=_("Öffentliche Nachricht"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        departments = queue_departments(user=user)
        self.fields["assignee"].choices = [
            ("me", _("mich")),
            ("", _("niemanden")),
            *((str(person.pk), user_label(person)) for person in _colleagues(departments)),
        ]
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(value, value) for value in raw]
