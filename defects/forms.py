"""Forms of the citizen's report wizard (``defects.views.submit``).

The forms only parse what the browser sent into Python values and give the template its fields. Everything
the report must satisfy (category active, answers, description length, photos, consent, e-mail) is decided
by ``defects.services.report_create``: the web form, the API and Open311 get the same rules and the same
messages, and the view maps the service's field errors back onto these forms. The location is the one
exception: it is resolved here (map pin, typed street, several streets to choose from) because the wizard
needs the point before the next step.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django import forms
from django.contrib.gis.geos import Point
from django.contrib.staticfiles import finders
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from defects.models import DESCRIPTION_MAX_LENGTH, MAX_PHOTOS_PER_REPORT, Category, CategoryQuestion
from districts import selectors as geo
from geo_core.parsing import GeoInputError

# The prefix of the form fields that answer a category's extra questions: ``answer_<question key>``.
ANSWER_PREFIX = "answer_"
YES, NO = "ja", "nein"


@lru_cache(maxsize=256)
def category_icon_path(icon: str) -> str | None:
    """Return the static path of a category's icon, or None if the platform has no such file."""
    if not icon or "/" in icon or "\\" in icon or icon.startswith("."):
        return None
    path = f"defects/icons/{icon}.svg"
    return path if finders.find(path) else None


# --- Step 1: the location ----------------------------------------------------------------------------


# Without JavaScript, a typed name that matches several streets offers at most this many as radio buttons.
STREET_CHOICES_LIMIT = 20


@dataclass(frozen=True)
class StreetChoice:
    """A street a typed name matched: its name, "Straße – Stadtteil" and a point on it."""

    street_id: int
    name: str
    label: str
    point: Point


def distinct_streets(hits: list[geo.StreetHit]) -> list[StreetChoice]:
    """Return the hits as choices, one per name and quarter.

    The gazetteer may hold a street in several pieces within one quarter; to the person they are one street,
    so only the first piece is offered (its point lies on the street either way).
    """
    choices: dict[str, StreetChoice] = {}
    for hit in hits:
        label = f"{hit.name} – {hit.quarter}" if hit.quarter else hit.name
        if label not in choices:
            choices[label] = StreetChoice(
                street_id=hit.street_id, name=hit.name, label=label, point=hit.point
            )
    return list(choices.values())


class LocationForm(forms.Form):
    """Where the defect is: a point (map, "use my location", a chosen street) or a typed street name.

    ``lon``/``lat`` carry the point. ``street`` is the typed name; ``street_resolved`` holds the name the
    point came from (set by the server after resolving it, or by the page's script when a suggestion is
    chosen or the pin is set on the map). A typed name that differs from it is resolved anew, so the last
    thing the person did wins: typing another street, or pinning a point on the map.
    """

    lon = forms.CharField(required=False, widget=forms.HiddenInput)
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    street = forms.CharField(
        label=_("Straße"),
        required=False,
        max_length=100,
        help_text=_("Zum Beispiel „Porschestraße“, ohne Hausnummer."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "search"}),
    )
    street_resolved = forms.CharField(required=False, widget=forms.HiddenInput)
    street_choice = forms.TypedChoiceField(
        label=_("Welche Straße meinen Sie?"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.point: Point | None = None
        self.street_hits: list[StreetChoice] | None = None
        self.more_hits = False
        # A newly typed street name is looked up now, so that several matches can be offered as radio buttons
        # (rebuilt on every post: a choice is only accepted among the streets the name really matches).
        typed = self._typed_street()
        if typed and typed != self._raw("street_resolved").strip():
            hits = geo.street_search(query=typed, limit=STREET_CHOICES_LIMIT + 1)
            self.more_hits = len(hits) > STREET_CHOICES_LIMIT
            self.street_hits = distinct_streets(hits[:STREET_CHOICES_LIMIT])
        choices = self.street_hits if self.street_hits and len(self.street_hits) > 1 else []
        self.fields["street_choice"].choices = [(choice.street_id, choice.label) for choice in choices]

    @property
    def street_choices(self) -> list[StreetChoice]:
        return self.street_hits if self.street_hits and len(self.street_hits) > 1 else []

    def _raw(self, name: str) -> str:
        if not self.is_bound:
            return str(self.initial.get(name) or "")
        return str(self.data.get(self.add_prefix(name)) or "")

    def _typed_street(self) -> str:
        return self._raw("street").strip()[:100]

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.street_hits is not None:
            # A newly typed street name decides the location.
            street = self._street(cleaned.get("street") or "", cleaned.get("street_choice"))
            if street is not None:
                self.point = self._point_from_lonlat(street.point.x, street.point.y)
                cleaned["street"] = cleaned["street_resolved"] = street.name
        elif cleaned.get("lon") or cleaned.get("lat"):
            self.point = self._point_from_lonlat(cleaned.get("lon"), cleaned.get("lat"))
        else:
            self.add_error(
                None,
                forms.ValidationError(
                    _(
                        "Bitte geben Sie an, wo der Mangel ist: Tippen Sie auf die Karte, verwenden Sie Ihren "
                        "Standort oder geben Sie eine Straße ein."
                    ),
                    code="missing",
                ),
            )
        if self.point is not None:
            cleaned["lon"] = f"{self.point.x:.6f}"
            cleaned["lat"] = f"{self.point.y:.6f}"
        cleaned["point"] = self.point
        return cleaned

    def _point_from_lonlat(self, lon: object, lat: object) -> Point | None:
        try:
            return geo.parse_city_point(lon=lon, lat=lat)
        except GeoInputError as error:
            self.add_error(None, forms.ValidationError(str(error.message), code=str(error.code)))
            return None

    def _street(self, typed: str, choice: int | None) -> StreetChoice | None:
        hits = self.street_hits or []
        if not hits:
            self.add_error(
                "street",
                forms.ValidationError(
                    _(
                        "Wir haben keine Straße „%(street)s“ gefunden. Bitte prüfen Sie die Schreibweise oder "
                        "wählen Sie den Ort auf der Karte."
                    ),
                    code="street_not_found",
                    params={"street": typed.strip()},
                ),
            )
            return None
        if len(hits) == 1:
            return hits[0]
        if choice is None:
            self.add_error(
                "street_choice",
                forms.ValidationError(
                    _("Es gibt mehrere passende Straßen. Bitte wählen Sie eine aus."), code="street_ambiguous"
                ),
            )
            return None
        return next(hit for hit in hits if hit.street_id == choice)


# --- Step 2: the category ------------------------------------------------------------------------------


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return obj.name


class CategoryForm(forms.Form):
    category = CategoryChoiceField(
        label=_("Kategorie"),
        queryset=Category.objects.none(),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Bitte wählen Sie eine Kategorie."),
            "invalid_choice": _("Diese Kategorie gibt es nicht (mehr). Bitte wählen Sie eine andere."),
        },
    )

    def __init__(self, *args, categories=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.categories = list(categories) if categories is not None else []
        self.fields["category"].queryset = Category.objects.filter(pk__in=[c.pk for c in self.categories])

    def groups(self) -> list[dict]:
        """Return the categories by group, each with its radio button, for fieldsets with legends."""
        selected = str(self["category"].value() or "")
        groups: list[dict] = []
        for category in self.categories:
            if not groups or groups[-1]["group"].pk != category.group_id:
                groups.append({"group": category.group, "options": []})
            groups[-1]["options"].append(
                {
                    "category": category,
                    "value": str(category.pk),
                    "id": f"{self['category'].auto_id}_{category.pk}",
                    "checked": selected == str(category.pk),
                    "icon": category_icon_path(category.icon),
                }
            )
        return groups


# --- Step 3: similar reports nearby --------------------------------------------------------------------


class SimilarForm(forms.Form):
    """Nothing to fill in: the button "Meine Meldung ist etwas anderes" moves on."""


class SupportForm(forms.Form):
    """Support one of the similar reports instead of reporting anew."""

    support_report = forms.IntegerField(widget=forms.HiddenInput)
    support_email = forms.CharField(label=_("Ihre E-Mail-Adresse"), required=False, max_length=254)


# --- Step 4: the details -------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; Django checks each one is a non-empty upload, the service the rest."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def answer_field(question: CategoryQuestion) -> forms.Field:
    """Return the form field for one extra question, by its kind. Requiredness is checked by the service."""
    common = {"label": question.label, "help_text": question.help_text, "required": False}
    kind = question.kind
    if kind == CategoryQuestion.Kind.YES_NO:
        return forms.ChoiceField(
            choices=[(YES, _("Ja")), (NO, _("Nein"))], widget=forms.RadioSelect, **common
        )
    if kind == CategoryQuestion.Kind.NUMBER:
        return forms.CharField(
            max_length=30,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "input--short"}),
            **common,
        )
    if kind == CategoryQuestion.Kind.SINGLE_CHOICE:
        return forms.ChoiceField(
            choices=[(choice, choice) for choice in question.choices], widget=forms.RadioSelect, **common
        )
    if kind == CategoryQuestion.Kind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(choice, choice) for choice in question.choices],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    return forms.CharField(max_length=1000, **common)


class DetailsForm(forms.Form):
    """The category's questions, description, photos, contact, consent; built for one category."""

    description = forms.CharField(
        label=_("Beschreibung"),
        required=False,
        help_text=_("Was ist kaputt oder stört? Bitte keine persönlichen Daten anderer Menschen."),
        # No server-side max_length here: the service reports a too long text with its own message.
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": DESCRIPTION_MAX_LENGTH}),
    )
    photos = MultipleFileField(
        label=_("Fotos"),
        required=False,
        # Lazy, so the text is translated per request, not once when the module loads.
        help_text=format_lazy(
            _("Bis zu {count} Fotos. Ortsangaben und andere Metadaten entfernen wir vor dem Speichern."),
            count=MAX_PHOTOS_PER_REPORT,
        ),
        # No "capture": on phones it would open only the camera; without it, people choose between the
        # camera and photos they took before.
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )
    reporter_name = forms.CharField(
        label=_("Name"), required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    reporter_email = forms.CharField(
        label=_("E-Mail-Adresse"),
        required=False,
        help_text=_("Für den Bestätigungslink und Nachrichten zum Stand Ihrer Meldung."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "aria-required": "true"}),
    )
    reporter_phone = forms.CharField(
        label=_("Telefon"),
        required=False,
        help_text=_("Nur für Rückfragen der Stadt."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )
    privacy_consent = forms.BooleanField(
        label=_("Ich bin mit der Verarbeitung meiner Angaben wie oben beschrieben einverstanden."),
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-required": "true"}),
    )
    submission_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    # The position found in a photo, and whether the person wants it instead of their pin ("photo"/"pin").
    photo_lon = forms.CharField(required=False, widget=forms.HiddenInput)
    photo_lat = forms.CharField(required=False, widget=forms.HiddenInput)
    photo_position = forms.ChoiceField(
        label=_("Welchen Ort sollen wir verwenden?"),
        required=False,
        choices=[
            ("photo", _("Position aus dem Foto übernehmen")),
            ("pin", _("Den von mir gewählten Ort behalten")),
        ],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, category: Category | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.category = category
        self.questions = list(category.questions.all()) if category is not None else []
        # A photo position the person has not decided about yet (set by the view; rendered as a question).
        self.photo_proposal = None
        fields = {}
        for question in self.questions:
            field = answer_field(question)
            field.question = question
            fields[ANSWER_PREFIX + question.key] = field
        # The questions come first: they are about the defect, like the description.
        self.fields = {**fields, **self.fields}

    def answer_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(ANSWER_PREFIX)]

    def answers(self) -> dict[str, object]:
        """Return the answers given, by question key, typed by kind; unanswered questions are left out."""
        answers: dict[str, object] = {}
        for question in self.questions:
            value = self.cleaned_data.get(ANSWER_PREFIX + question.key)
            if value in (None, "", []):
                continue
            if question.kind == CategoryQuestion.Kind.YES_NO:
                value = value == YES
            elif isinstance(value, str):
                value = value.strip()
                if not value:
                    continue
            answers[question.key] = value
        return answers
