"""Errors of the Mängelmelder's services, with stable machine codes (asserted in tests, sent by the API)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _

from geo_core.parsing import GeoInputErrorCode


class ReportErrorCode(models.TextChoices):
    # Category and answers
    UNKNOWN_CATEGORY = "unknown_category", _("Unbekannte Kategorie")
    INACTIVE_CATEGORY = "inactive_category", _("Kategorie nicht mehr verfügbar")
    ANSWER_REQUIRED = "answer_required", _("Antwort fehlt")
    ANSWER_INVALID = "answer_invalid", _("Antwort ungültig")
    UNKNOWN_QUESTION = "unknown_question", _("Unbekannte Frage")
    # Text and photos
    DESCRIPTION_TOO_LONG = "description_too_long", _("Beschreibung zu lang")
    TOO_MANY_PHOTOS = "too_many_photos", _("Zu viele Fotos")
    PHOTO_TOO_LARGE = "photo_too_large", _("Foto zu groß")
    PHOTO_NOT_IMAGE = "photo_not_image", _("Datei ist kein Bild")
    PHOTO_CORRUPT = "photo_corrupt", _("Bild beschädigt")
    PHOTO_TOO_MANY_PIXELS = "photo_too_many_pixels", _("Bild hat zu viele Pixel")
    PHOTO_UNSUPPORTED_FORMAT = "photo_unsupported_format", _("Bildformat nicht unterstützt")
    # The reporter
    CONSENT_REQUIRED = "consent_required", _("Einwilligung fehlt")
    EMAIL_REQUIRED = "email_required", _("E-Mail-Adresse fehlt")
    EMAIL_INVALID = "email_invalid", _("E-Mail-Adresse ungültig")
    NAME_TOO_LONG = "name_too_long", _("Name zu lang")
    PHONE_INVALID = "phone_invalid", _("Telefonnummer ungültig")
    SUBMISSION_KEY_INVALID = "submission_key_invalid", _("Formularkennung ungültig")
    # The location (same codes as geo_core.parsing, field "location")
    MISSING = GeoInputErrorCode.MISSING.value, GeoInputErrorCode.MISSING.label
    NOT_A_NUMBER = GeoInputErrorCode.NOT_A_NUMBER.value, GeoInputErrorCode.NOT_A_NUMBER.label
    NOT_FINITE = GeoInputErrorCode.NOT_FINITE.value, GeoInputErrorCode.NOT_FINITE.label
    OUT_OF_RANGE = GeoInputErrorCode.OUT_OF_RANGE.value, GeoInputErrorCode.OUT_OF_RANGE.label
    SWAPPED = GeoInputErrorCode.SWAPPED.value, GeoInputErrorCode.SWAPPED.label
    OUTSIDE_AREA = GeoInputErrorCode.OUTSIDE_AREA.value, GeoInputErrorCode.OUTSIDE_AREA.label
    # Actions on existing reports and subscriptions
    INVALID_TOKEN = "invalid_token", _("Link ungültig")
    TRANSITION_NOT_ALLOWED = "transition_not_allowed", _("Statuswechsel nicht erlaubt")
    REASON_REQUIRED = "reason_required", _("Begründung fehlt")
    REASON_TOO_LONG = "reason_too_long", _("Begründung zu lang")
    DUPLICATE_OF_REQUIRED = "duplicate_of_required", _("Ursprüngliche Meldung fehlt")
    DUPLICATE_OF_INVALID = "duplicate_of_invalid", _("Ursprüngliche Meldung ungültig")
    ALREADY_SUBSCRIBED = "already_subscribed", _("Bereits eingetragen")
    NOT_SUPPORTABLE = "not_supportable", _("Meldung kann nicht unterstützt werden")
    NOT_REOPENABLE = "not_reopenable", _("Meldung kann nicht wieder geöffnet werden")


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field. ``field`` is the service's argument name (e.g. ``location``)."""

    field: str
    code: str
    message: str


class ReportValidationError(Exception):
    """Raised by services for input a person got wrong; carries every problem found, and nothing is saved."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{error.field}: {error.code}" for error in errors))
        self.errors = list(errors)

    @property
    def codes(self) -> dict[str, list[str]]:
        """Return the error codes by field (handy for forms and tests)."""
        codes: dict[str, list[str]] = {}
        for error in self.errors:
            codes.setdefault(error.field, []).append(error.code)
        return codes


class ReportActionError(Exception):
    """Raised when an action on an existing report is refused (bad link, transition not allowed, …).

    ``field`` names the argument at fault where there is one (e.g. ``public_message`` for a missing reason).
    """

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field


class RoutingNotConfigured(ImproperlyConfigured):
    """No active central triage department exists, so a report without a responsibility has nowhere to go."""
