"""Writes of the Mängelmelder: new reports, the lifecycle, the reporter's actions, support and expiry.

Every entry point (web form, API, Open311, admin, commands, tasks) calls these functions, so the rules are the
same everywhere. Mails are queued in the same database transaction as the change that causes them
(Procrastinate keeps its jobs in PostgreSQL): a job exists exactly when the change was committed, and the
worker can only see it after the commit.
"""

from __future__ import annotations

import logging
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from defects import lifecycle, tasks, tokens, workdays
from defects.errors import (
    FieldError,
    ReportActionError,
    ReportErrorCode,
    ReportValidationError,
    RoutingNotConfigured,
)
from defects.models import (
    DESCRIPTION_MAX_LENGTH,
    MAX_PHOTOS_PER_REPORT,
    Category,
    CategoryQuestion,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportStatus,
    Subscription,
)
from defects.notifications import NotificationKind
from defects.photos import PhotoError, ProcessedPhoto, photo_process
from defects.selectors import (
    report_public_queryset,
    route_report,
    routing_reason_sql_templates,
    routing_rules_sql,
    sql_table_names,
)
from districts.selectors import (
    current_city,
    district_for_point,
    nearest_street,
    parse_city_point,
    quarter_for_point,
)
from geo_core.parsing import GeoInputError, GeoInputErrorCode

if TYPE_CHECKING:
    from geo_core.accounts.models import User

logger = logging.getLogger(__name__)

Code = ReportErrorCode

# Stored in the history in the platform's language; these name roles, never persons.
ACTOR_REPORTER = _("meldende Person")
ACTOR_SUPPORTER = _("unterstützende Person")
ACTOR_SYSTEM = _("System")

NAME_MAX_LENGTH = 100
PHONE_MAX_LENGTH = 50
EMAIL_MAX_LENGTH = 254
TEXT_ANSWER_MAX_LENGTH = 500
REASON_MAX_LENGTH = DESCRIPTION_MAX_LENGTH
# Digits, spaces and the usual separators: "+49 (5361) 28-0", "05361/280".
_PHONE_PATTERN = re.compile(r"[0-9 +()/\-]*")
_YES = frozenset({"ja", "true", "1", "yes"})
_NO = frozenset({"nein", "false", "0", "no"})
# Coordinate errors that concern one of the two numbers; the others concern the place as a whole.
_COORDINATE_CODES = frozenset(
    {
        GeoInputErrorCode.MISSING,
        GeoInputErrorCode.NOT_A_NUMBER,
        GeoInputErrorCode.NOT_FINITE,
        GeoInputErrorCode.OUT_OF_RANGE,
    }
)
# How long a repeated "support" with an unconfirmed address waits before the confirmation mail is sent again.
SUPPORT_RESEND_SECONDS = 15 * 60
# Expired reports are deleted in batches, each in its own short transaction.
EXPIRY_BATCH_SIZE = 500


def _german(text: object) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def _text(value: object) -> str:
    """Return user text as a plain string; NUL cannot be stored in PostgreSQL text and is never meant."""
    if value is None:
        return ""
    return str(value).replace("\x00", "")


# --- Mails -----------------------------------------------------------------------------------------------


def _queue_mail(
    *, kind: str, report_id: int, subscription_id: int | None = None, event_id: int | None = None
) -> None:
    tasks.send_report_email.defer(
        kind=str(kind), report_id=report_id, subscription_id=subscription_id, event_id=event_id
    )


def _notify_subscribers(*, report: Report, event: ReportEvent, exclude_role: str | None = None) -> None:
    """Queue the public update to every confirmed subscriber of ``report``, one job per recipient."""
    subscriptions = Subscription.objects.filter(report_id=report.pk, confirmed_at__isnull=False)
    if exclude_role is not None:
        subscriptions = subscriptions.exclude(role=exclude_role)
    jobs = [
        {
            "kind": str(NotificationKind.STATUS_CHANGED),
            "report_id": report.pk,
            "subscription_id": subscription_id,
            "event_id": event.pk,
        }
        for subscription_id in subscriptions.order_by("pk").values_list("pk", flat=True)
    ]
    if jobs:
        tasks.send_report_email.batch_defer(*jobs)


def _loaded_relations(instance: models.Model) -> list[str]:
    """Return the foreign keys of ``instance`` that hold model instances (read or saved in this transaction).

    ``full_clean`` would check with one query each that such a row exists; for a new report that is six
    queries for rows the service has just read or written itself (a fifth of its statements).
    """
    return [
        field.name
        for field in instance._meta.concrete_fields
        if field.many_to_one and field.is_cached(instance) and getattr(instance, field.name) is not None
    ]


# --- Link secrets ----------------------------------------------------------------------------------------


def _placeholder_hash() -> str:
    # The row needs a hash before it has the id and time its real secret is made from: this one belongs to a
    # secret nobody knows, and is replaced in the same transaction.
    return tokens.token_hash(tokens.new_secret())


def _set_report_token(report: Report) -> None:
    token = tokens.derive_token(
        purpose=tokens.REPORT_PURPOSE, object_id=report.pk, created_at=report.created_at
    )
    report.reporter_token_hash = tokens.token_hash(token)
    Report.objects.filter(pk=report.pk).update(reporter_token_hash=report.reporter_token_hash)


def _set_subscription_token(subscription: Subscription) -> None:
    token = tokens.derive_token(
        purpose=tokens.SUBSCRIPTION_PURPOSE, object_id=subscription.pk, created_at=subscription.created_at
    )
    subscription.token_hash = tokens.token_hash(token)
    Subscription.objects.filter(pk=subscription.pk).update(token_hash=subscription.token_hash)


def _invalid_token() -> ReportActionError:
    return ReportActionError(
        Code.INVALID_TOKEN,
        gettext(
            "Dieser Link ist ungültig oder abgelaufen. Bitte prüfen Sie, ob Sie ihn vollständig kopiert haben."
        ),
    )


def _locked_by_token(model: type[Report] | type[Subscription], *, pk: object, token: object, hash_field: str):
    """Return the row behind a secret link, locked; the same error for a wrong id and a wrong secret."""
    try:
        key = int(pk)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _invalid_token() from None
    row = model.objects.select_for_update().filter(pk=key).first()
    if row is None or not tokens.token_matches(token=token, stored_hash=getattr(row, hash_field)):
        raise _invalid_token()
    return row


def _report_for_update(*, report_id: object, token: object) -> Report:
    return _locked_by_token(Report, pk=report_id, token=token, hash_field="reporter_token_hash")


def _subscription_for_update(*, subscription_id: object, token: object) -> Subscription:
    return _locked_by_token(Subscription, pk=subscription_id, token=token, hash_field="token_hash")


# --- Validation of a new report --------------------------------------------------------------------------


def _category(category_id: object, errors: list[FieldError]) -> Category | None:
    """Return the category by id (or by its slug, as the API names it)."""
    category = None
    if isinstance(category_id, Category):
        category = category_id
    elif isinstance(category_id, int) and not isinstance(category_id, bool):
        category = Category.objects.filter(pk=category_id).first()
    elif isinstance(category_id, str) and category_id.strip():
        text = category_id.strip()
        lookup = {"pk": int(text)} if text.isdigit() else {"slug": text}
        category = Category.objects.filter(**lookup).first()
    if category is None:
        errors.append(
            FieldError(
                "category",
                Code.UNKNOWN_CATEGORY,
                gettext("Bitte wählen Sie eine der angebotenen Kategorien."),
            )
        )
        return None
    if not category.is_active:
        errors.append(
            FieldError(
                "category",
                Code.INACTIVE_CATEGORY,
                gettext("Die Kategorie „%(name)s“ wird nicht mehr angeboten. Bitte wählen Sie eine andere.")
                % {"name": category.name},
            )
        )
        return None
    return category


def _is_empty(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, list | tuple) and not value)
    )


def _answer(question: CategoryQuestion, value: object) -> object:
    """Return the normalised answer to ``question``; raise ValueError if ``value`` does not fit its kind."""
    kind = question.kind
    Kind = CategoryQuestion.Kind
    if kind == Kind.YES_NO:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _YES | _NO:
            return value.strip().lower() in _YES
        raise ValueError
    if kind == Kind.NUMBER:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, int | float | Decimal):
            number = float(value)
        elif isinstance(value, str) and len(value) <= 50:
            try:
                number = float(Decimal(value.strip().replace(",", ".")))
            except InvalidOperation:
                raise ValueError from None
        else:
            raise ValueError
        if not math.isfinite(number):
            raise ValueError
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == Kind.TEXT:
        if not isinstance(value, str):
            raise ValueError
        text = _text(value).strip()
        if len(text) > TEXT_ANSWER_MAX_LENGTH:
            raise ValueError
        return text
    if kind == Kind.SINGLE_CHOICE:
        if not isinstance(value, str) or value not in question.choices:
            raise ValueError
        return value
    if kind == Kind.MULTIPLE_CHOICE:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list | tuple) or not all(isinstance(item, str) for item in values):
            raise ValueError
        if not set(values) <= set(question.choices):
            raise ValueError
        # In the order the question offers them, each once.
        return [choice for choice in question.choices if choice in values]
    raise ValueError


def _answer_invalid_message(question: CategoryQuestion) -> str:
    Kind = CategoryQuestion.Kind
    messages = {
        Kind.YES_NO: gettext("Bitte antworten Sie bei „%(label)s“ mit Ja oder Nein."),
        Kind.NUMBER: gettext("Bitte geben Sie bei „%(label)s“ eine Zahl an."),
        Kind.TEXT: gettext("Die Antwort auf „%(label)s“ darf höchstens %(max)s Zeichen lang sein."),
        Kind.SINGLE_CHOICE: gettext("Bitte wählen Sie bei „%(label)s“ eine der angebotenen Möglichkeiten."),
        Kind.MULTIPLE_CHOICE: gettext("Bitte wählen Sie bei „%(label)s“ nur angebotene Möglichkeiten."),
    }
    template = messages.get(question.kind, gettext("Die Antwort auf „%(label)s“ ist ungültig."))
    return template % {"label": question.label, "max": TEXT_ANSWER_MAX_LENGTH}


def _answers(category: Category, answers: object, errors: list[FieldError]) -> dict:
    """Return the answers checked against the category's questions, keyed by question key."""
    if answers is None:
        answers = {}
    if not isinstance(answers, Mapping):
        errors.append(FieldError("answers", Code.ANSWER_INVALID, gettext("Die Antworten sind ungültig.")))
        return {}
    questions = {question.key: question for question in category.questions.all()}
    for key in answers:
        if key not in questions:
            errors.append(
                FieldError(
                    f"answers.{key}",
                    Code.UNKNOWN_QUESTION,
                    gettext("Die Kategorie stellt keine Frage „%(key)s“.") % {"key": str(key)[:50]},
                )
            )
    cleaned: dict[str, object] = {}
    for question in sorted(questions.values(), key=lambda q: (q.position, q.pk)):
        value = answers.get(question.key)
        if _is_empty(value):
            if question.required:
                errors.append(
                    FieldError(
                        f"answers.{question.key}",
                        Code.ANSWER_REQUIRED,
                        gettext("Bitte beantworten Sie: „%(label)s“.") % {"label": question.label},
                    )
                )
            continue
        try:
            cleaned[question.key] = _answer(question, value)
        except ValueError:
            errors.append(
                FieldError(f"answers.{question.key}", Code.ANSWER_INVALID, _answer_invalid_message(question))
            )
    return cleaned


def _email(value: object, errors: list[FieldError], *, field: str) -> str:
    email = _text(value).strip()
    if not email:
        errors.append(
            FieldError(field, Code.EMAIL_REQUIRED, gettext("Bitte geben Sie Ihre E-Mail-Adresse an."))
        )
        return ""
    try:
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        errors.append(
            FieldError(
                field,
                Code.EMAIL_INVALID,
                gettext("Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@example.org."),
            )
        )
        return ""
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _location(lon: object, lat: object, errors: list[FieldError]):
    try:
        point = parse_city_point(lon=lon, lat=lat)
    except GeoInputError as error:
        field = (
            error.field if error.code in _COORDINATE_CODES and error.field in ("lon", "lat") else "location"
        )
        errors.append(FieldError(field, str(error.code), str(error.message)))
        return None, None
    district = district_for_point(point=point)
    if district is None:
        errors.append(
            FieldError(
                "location",
                Code.OUTSIDE_AREA,
                gettext(
                    "Der Ort liegt in keinem Ortsratsbereich. Bitte setzen Sie die Markierung ins Stadtgebiet."
                ),
            )
        )
        return None, None
    return point, district


def _submission_key(value: object, errors: list[FieldError]) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        errors.append(
            FieldError(
                "submission_key", Code.SUBMISSION_KEY_INVALID, gettext("Die Formularkennung ist ungültig.")
            )
        )
        return None


def _photos(photos: Sequence[UploadedFile], errors: list[FieldError]) -> list[ProcessedPhoto]:
    photos = list(photos or ())
    if len(photos) > MAX_PHOTOS_PER_REPORT:
        errors.append(
            FieldError(
                "photos",
                Code.TOO_MANY_PHOTOS,
                gettext("Bitte wählen Sie höchstens %(max)s Fotos.") % {"max": MAX_PHOTOS_PER_REPORT},
            )
        )
        return []
    processed = []
    for upload in photos:
        try:
            processed.append(photo_process(upload=upload))
        except PhotoError as error:
            errors.append(FieldError("photos", str(error.code), str(error.message)))
    return processed


@dataclass(frozen=True)
class ReportCreateResult:
    report: Report
    created: bool


def report_create(
    *,
    category_id: object,
    lon: object,
    lat: object,
    description: str = "",
    answers: Mapping[str, object] | None = None,
    photos: Sequence[UploadedFile] = (),
    reporter_name: str = "",
    reporter_email: str,
    reporter_phone: str = "",
    privacy_consent: bool,
    submission_key: uuid.UUID | None = None,
    reporter: User | None = None,
) -> ReportCreateResult:
    """Create a report, unconfirmed until its reporter follows the link in the confirmation mail.

    All input is checked first and every problem is reported at once (``ReportValidationError``); photos are
    decoded and re-encoded without metadata (``defects.photos``). Then, in one short transaction: the routed
    report, its photos, the "created" event, the reporter's subscription and the confirmation mail's job. If
    anything fails, nothing is kept, not even photo files already written. The same ``submission_key`` again
    (a form sent twice) returns the first report with ``created=False`` and sends no second mail.
    ``category_id`` is a category's id (or its slug).
    """
    errors: list[FieldError] = []
    key = _submission_key(submission_key, errors)
    if key is not None:
        existing = Report.objects.filter(submission_key=key).first()
        if existing is not None:
            return ReportCreateResult(report=existing, created=False)

    category = _category(category_id, errors)
    point, district = _location(lon, lat, errors)
    cleaned_answers = _answers(category, answers, errors) if category is not None else {}

    description = _text(description).strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        errors.append(
            FieldError(
                "description",
                Code.DESCRIPTION_TOO_LONG,
                gettext("Die Beschreibung darf höchstens %(max)s Zeichen lang sein (jetzt %(length)s).")
                % {"max": DESCRIPTION_MAX_LENGTH, "length": len(description)},
            )
        )
    email = _email(reporter_email, errors, field="reporter_email")
    name = _text(reporter_name).strip()
    if len(name) > NAME_MAX_LENGTH:
        errors.append(
            FieldError(
                "reporter_name",
                Code.NAME_TOO_LONG,
                gettext("Der Name darf höchstens %(max)s Zeichen lang sein.") % {"max": NAME_MAX_LENGTH},
            )
        )
    phone = _text(reporter_phone).strip()
    if len(phone) > PHONE_MAX_LENGTH or not _PHONE_PATTERN.fullmatch(phone):
        errors.append(
            FieldError(
                "reporter_phone",
                Code.PHONE_INVALID,
                gettext(
                    "Bitte geben Sie die Telefonnummer nur mit Ziffern, Leerzeichen und + ( ) / - an "
                    "(höchstens %(max)s Zeichen)."
                )
                % {"max": PHONE_MAX_LENGTH},
            )
        )
    if privacy_consent is not True:
        errors.append(
            FieldError(
                "privacy_consent",
                Code.CONSENT_REQUIRED,
                gettext(
                    "Bitte stimmen Sie der Verarbeitung Ihrer Angaben zu, damit wir die Meldung bearbeiten können."
                ),
            )
        )
    processed_photos = _photos(photos, errors)
    if errors:
        raise ReportValidationError(errors)

    decision = route_report(category=category, district=district)
    quarter = quarter_for_point(point=point, district=district)
    street = nearest_street(point=point, max_distance_m=250)

    written: list[str] = []
    storage = ReportPhoto._meta.get_field("image").storage
    try:
        # Validation and photo processing (slow) happen before: the transaction stays short.
        with transaction.atomic():
            report = Report(
                category=category,
                location=point,
                district=district,
                quarter=quarter,
                address_label=street.name if street is not None else "",
                answers=cleaned_answers,
                description=description,
                status=ReportStatus.UNCONFIRMED,
                department=decision.department,
                routing_reason=decision.reason,
                needs_triage=decision.needs_triage,
                reporter_name=name,
                reporter_email=email,
                reporter_phone=phone,
                privacy_consent_at=timezone.now(),
                reporter=reporter,
                reporter_token_hash=_placeholder_hash(),
                submission_key=key,
            )
            # The unique submission key is decided by the database, also between two concurrent requests.
            report.full_clean(exclude=_loaded_relations(report), validate_unique=False)
            report.save()
            _set_report_token(report)
            for position, processed in enumerate(processed_photos):
                photo = ReportPhoto(report=report, position=position, kind=ReportPhoto.Kind.REPORT)
                # A random name: the upload's own name may say who took it.
                photo.image.save(
                    f"{uuid.uuid4().hex}.{processed.extension}", ContentFile(processed.content), save=False
                )
                written.append(photo.image.name)
                photo.full_clean()
                photo.save()
            _write_event(
                report=report,
                kind=ReportEvent.Kind.CREATED,
                actor=reporter,
                actor_label=ACTOR_REPORTER,
                to_status=ReportStatus.UNCONFIRMED,
                to_department=decision.department,
            )
            subscription = Subscription(
                report=report, email=email, role=Subscription.Role.REPORTER, token_hash=_placeholder_hash()
            )
            subscription.full_clean(
                exclude=_loaded_relations(subscription), validate_unique=False, validate_constraints=False
            )
            subscription.save()
            _set_subscription_token(subscription)
            _queue_mail(kind=NotificationKind.REPORT_CONFIRMATION, report_id=report.pk)
    except IntegrityError:
        _delete_files(storage, written)
        if key is not None:
            # The same form was sent twice at once and the other request won: answer like a repeat.
            existing = Report.objects.filter(submission_key=key).first()
            if existing is not None:
                logger.info("Report %s was sent twice at once; the second request gets it too", existing.pk)
                return ReportCreateResult(report=existing, created=False)
        raise
    except BaseException:
        _delete_files(storage, written)
        raise
    logger.info("Report %s created (category %s, %s photos)", report.pk, category.pk, len(written))
    return ReportCreateResult(report=report, created=True)


def _delete_files(storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete photo file %s", name)


# --- History and the lifecycle ---------------------------------------------------------------------------


def _write_event(
    *,
    report: Report,
    kind: str,
    actor: User | None = None,
    actor_label: object = "",
    from_status: str = "",
    to_status: str = "",
    public_message: str = "",
    internal_note: str = "",
    from_department=None,
    to_department=None,
) -> ReportEvent:
    label = _german(actor_label)[:100] if actor_label else ""
    if not label and actor is None:
        label = _german(ACTOR_SYSTEM)
    event = ReportEvent(
        report=report,
        kind=kind,
        actor=actor,
        actor_label=label,
        from_status=from_status,
        to_status=to_status,
        public_message=public_message,
        internal_note=internal_note,
        from_department=from_department,
        to_department=to_department,
    )
    event.full_clean(exclude=_loaded_relations(event))
    event.save()
    return event


def _change_status(
    *,
    report: Report,
    to_status: str,
    kind: str,
    actor: User | None = None,
    actor_label: object = "",
    public_message: str = "",
    internal_note: str = "",
    duplicate_of: Report | None = None,
    now: datetime | None = None,
) -> ReportEvent:
    """Set the status of a locked report with its timestamps and write the one event for it."""
    now = now or timezone.now()
    from_status = report.status
    if to_status != from_status:
        report.status = to_status
        if to_status == ReportStatus.OPEN and report.confirmed_at is None:
            report.confirmed_at = now
        if to_status == ReportStatus.RESOLVED:
            report.resolved_at = now
        if to_status in lifecycle.CLOSED_STATUSES:
            report.closed_at = now
        if to_status in lifecycle.OPEN_STATUSES:
            report.resolved_at = None
            report.closed_at = None
        if to_status == ReportStatus.DUPLICATE:
            report.duplicate_of = duplicate_of
    report.full_clean()
    report.save()
    return _write_event(
        report=report,
        kind=kind,
        actor=actor,
        actor_label=actor_label,
        from_status=from_status,
        to_status=to_status,
        public_message=public_message,
        internal_note=internal_note,
    )


def _not_allowed(from_status: str, to_status: str) -> ReportActionError:
    labels = dict(ReportStatus.choices)
    return ReportActionError(
        Code.TRANSITION_NOT_ALLOWED,
        gettext("Eine Meldung im Status „%(from)s“ kann nicht in den Status „%(to)s“ wechseln.")
        % {"from": labels.get(from_status, from_status), "to": labels.get(to_status, to_status)},
        field="to_status",
    )


def _check_duplicate_of(*, report: Report, duplicate_of: Report | None) -> None:
    if duplicate_of is None:
        raise ReportActionError(
            Code.DUPLICATE_OF_REQUIRED,
            gettext("Bitte geben Sie die Meldung an, die es schon gibt."),
            field="duplicate_of",
        )
    original = report_public_queryset().filter(pk=duplicate_of.pk).values_list("status", flat=True).first()
    if duplicate_of.pk == report.pk or original is None or original == ReportStatus.DUPLICATE:
        raise ReportActionError(
            Code.DUPLICATE_OF_INVALID,
            gettext(
                "Eine Meldung kann nur Duplikat einer anderen, öffentlichen Meldung sein, die selbst kein "
                "Duplikat ist."
            ),
            field="duplicate_of",
        )


def _copy_state(source: Report, target: Report) -> None:
    """Bring the caller's instance up to date with the locked, changed one."""
    if target is source:
        return
    for field in (
        "status",
        "confirmed_at",
        "resolved_at",
        "closed_at",
        "withdrawn_at",
        "duplicate_of_id",
        "updated_at",
    ):
        setattr(target, field, getattr(source, field))


@transaction.atomic
def report_transition(
    *,
    report: Report,
    to_status: str,
    actor: User | None,
    public_message: str = "",
    internal_note: str = "",
    duplicate_of: Report | None = None,
    actor_label: str = "",
) -> Report:
    """Change a report's status: the one way to do it. Writes exactly one event.

    Allowed changes are those of ``defects.lifecycle.ALLOWED_TRANSITIONS``; "rejected" needs a public reason,
    "duplicate" the public report it duplicates. ``to_status`` equal to the current status with a message adds
    a note without changing the status. A public change (new status or a public message) is mailed to every
    confirmed subscriber, with the public message only.
    """
    locked = Report.objects.select_for_update().get(pk=report.pk)
    public_message = _text(public_message).strip()
    internal_note = _text(internal_note).strip()
    from_status = locked.status
    if to_status not in ReportStatus.values:
        raise _not_allowed(from_status, str(to_status))

    if to_status == from_status:
        if from_status == ReportStatus.UNCONFIRMED or not (public_message or internal_note):
            raise _not_allowed(from_status, to_status)
        event = _write_event(
            report=locked,
            kind=ReportEvent.Kind.NOTE,
            actor=actor,
            actor_label=actor_label,
            from_status=from_status,
            to_status=to_status,
            public_message=public_message,
            internal_note=internal_note,
        )
    else:
        if not lifecycle.can_transition(from_status, to_status):
            raise _not_allowed(from_status, to_status)
        if to_status in lifecycle.REASON_REQUIRED_STATUSES and not public_message:
            raise ReportActionError(
                Code.REASON_REQUIRED,
                gettext("Bitte begründen Sie öffentlich, warum die Meldung nicht bearbeitet wird."),
                field="public_message",
            )
        if to_status == ReportStatus.DUPLICATE:
            _check_duplicate_of(report=locked, duplicate_of=duplicate_of)
        kind = (
            ReportEvent.Kind.CONFIRMED
            if from_status == ReportStatus.UNCONFIRMED
            else ReportEvent.Kind.STATUS_CHANGED
        )
        event = _change_status(
            report=locked,
            to_status=to_status,
            kind=kind,
            actor=actor,
            actor_label=actor_label,
            public_message=public_message,
            internal_note=internal_note,
            duplicate_of=duplicate_of,
        )
    if to_status != from_status or public_message:
        _notify_subscribers(report=locked, event=event)
    _copy_state(locked, report)
    return locked


@transaction.atomic
def report_confirm(*, report_id: int, token: str) -> Report:
    """Confirm a report through the link in the reporter's mail: it becomes public (open). Idempotent."""
    report = _report_for_update(report_id=report_id, token=token)
    if report.status != ReportStatus.UNCONFIRMED:
        return report
    now = timezone.now()
    # The category's target counts in working days from the day the report became the city's work.
    report.due_date = workdays.add_working_days(
        start=timezone.localdate(now), days=report.category.target_days
    )
    _change_status(
        report=report,
        to_status=ReportStatus.OPEN,
        kind=ReportEvent.Kind.CONFIRMED,
        actor_label=ACTOR_REPORTER,
        now=now,
    )
    # The address is now proven: the reporter gets the updates from here on.
    Subscription.objects.filter(
        report_id=report.pk, role=Subscription.Role.REPORTER, confirmed_at__isnull=True
    ).update(confirmed_at=now)
    logger.info("Report %s confirmed", report.pk)
    return report


# --- The reporter's actions ------------------------------------------------------------------------------


def _reason(value: object, *, required: bool) -> str:
    reason = _text(value).strip()
    if required and not reason:
        raise ReportActionError(
            Code.REASON_REQUIRED, gettext("Bitte schreiben Sie kurz, warum."), field="reason"
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ReportActionError(
            Code.REASON_TOO_LONG,
            gettext("Die Begründung darf höchstens %(max)s Zeichen lang sein.") % {"max": REASON_MAX_LENGTH},
            field="reason",
        )
    return reason


@transaction.atomic
def report_request_reopen(*, report_id: int, token: str, reason: str) -> Report:
    """Reopen a resolved, closed or rejected report at its reporter's request, and tell the department.

    The reason becomes the public message of the event, which the department's queue shows; the department
    gets a mail if it has an address, the other subscribers the usual update.
    """
    report = _report_for_update(report_id=report_id, token=token)
    if (
        report.withdrawn_at is not None
        or report.status not in lifecycle.REOPENABLE_STATUSES
        or not lifecycle.can_transition(report.status, ReportStatus.REOPENED)
    ):
        raise ReportActionError(
            Code.NOT_REOPENABLE,
            gettext("Nur erledigte, geschlossene oder abgelehnte Meldungen können wieder geöffnet werden."),
        )
    reason = _reason(reason, required=True)
    event = _change_status(
        report=report,
        to_status=ReportStatus.REOPENED,
        kind=ReportEvent.Kind.REOPEN_REQUESTED,
        actor_label=ACTOR_REPORTER,
        public_message=reason,
    )
    if report.department.email:
        _queue_mail(kind=NotificationKind.REOPEN_REQUESTED, report_id=report.pk, event_id=event.pk)
    _notify_subscribers(report=report, event=event, exclude_role=Subscription.Role.REPORTER)
    return report


@transaction.atomic
def report_withdraw(*, report_id: int, token: str, reason: str = "") -> Report:
    """Withdraw a report at its reporter's request: it leaves every public list; the city keeps its history.

    A report still waiting or being worked on is closed; the reason is kept as an internal note. Idempotent.
    """
    report = _report_for_update(report_id=report_id, token=token)
    if report.withdrawn_at is not None:
        return report
    reason = _reason(reason, required=False)
    now = timezone.now()
    report.withdrawn_at = now
    _change_status(
        report=report,
        to_status=lifecycle.withdrawn_status(report.status),
        kind=ReportEvent.Kind.WITHDRAWN,
        actor_label=ACTOR_REPORTER,
        internal_note=reason,
        now=now,
    )
    logger.info("Report %s withdrawn", report.pk)
    return report


@transaction.atomic
def report_anonymise(*, report_id: int, token: str) -> Report:
    """Remove the reporter's name and phone number from a report (the address stays, for the updates)."""
    report = _report_for_update(report_id=report_id, token=token)
    if not report.reporter_name and not report.reporter_phone:
        return report
    report.reporter_name = ""
    report.reporter_phone = ""
    report.full_clean()
    report.save(update_fields=["reporter_name", "reporter_phone", "updated_at"])
    _write_event(report=report, kind=ReportEvent.Kind.ANONYMISED, actor_label=ACTOR_REPORTER)
    return report


@transaction.atomic
def report_anonymise_for_reporter(*, user: User) -> int:
    """Remove a deleted account's personal data from the reports it made; return how many reports.

    The account-deletion hook of ``geo_core.accounts.deletion``. The reports stay (they are part of the public
    record) but lose name, phone, e-mail address and the link to the account, and the reporter's subscriptions
    end: nobody is left to be told. One "anonymised" event per report records it.
    """
    report_ids = list(
        Report.objects.select_for_update().filter(reporter=user).order_by("pk").values_list("pk", flat=True)
    )
    if not report_ids:
        return 0
    Subscription.objects.filter(report_id__in=report_ids, role=Subscription.Role.REPORTER).delete()
    # Blanking needs no validation; one UPDATE for all the person's reports.
    Report.objects.filter(pk__in=report_ids).update(
        reporter=None, reporter_name="", reporter_phone="", reporter_email="", updated_at=timezone.now()
    )
    label = _german(ACTOR_SYSTEM)
    ReportEvent.objects.bulk_create(
        ReportEvent(report_id=report_id, kind=ReportEvent.Kind.ANONYMISED, actor_label=label)
        for report_id in report_ids
    )
    logger.info("Reporter data removed from %s reports of a deleted account", len(report_ids))
    return len(report_ids)


# --- Support ---------------------------------------------------------------------------------------------


def _not_supportable() -> ReportActionError:
    return ReportActionError(
        Code.NOT_SUPPORTABLE, gettext("Diese Meldung kann nicht (mehr) unterstützt werden.")
    )


def report_support(*, report: Report, email: str) -> Subscription:
    """Sign up a person to support a public, open report; they confirm by the link in the mail sent to them.

    The support counts (and the event "supported" is written) once it is confirmed. The same address twice
    raises ``already_subscribed``; if it is still unconfirmed, the confirmation mail is sent again (at most
    once every 15 minutes, so the form cannot flood anyone's inbox).
    """
    errors: list[FieldError] = []
    email = _email(email, errors, field="email")
    if errors:
        raise ReportValidationError(errors)
    existing: Subscription | None = None
    with transaction.atomic():
        status = report_public_queryset().filter(pk=report.pk).values_list("status", flat=True).first()
        if status is None or status not in lifecycle.OPEN_STATUSES:
            raise _not_supportable()
        existing = Subscription.objects.filter(report_id=report.pk, email__iexact=email).first()
        if existing is None:
            try:
                with transaction.atomic():
                    subscription = Subscription(
                        report_id=report.pk,
                        email=email,
                        role=Subscription.Role.SUPPORTER,
                        token_hash=_placeholder_hash(),
                    )
                    # The database decides uniqueness, also for two requests at once.
                    subscription.full_clean(validate_unique=False, validate_constraints=False)
                    subscription.save()
                    _set_subscription_token(subscription)
                    _queue_mail(
                        kind=NotificationKind.SUBSCRIPTION_CONFIRMATION,
                        report_id=report.pk,
                        subscription_id=subscription.pk,
                    )
                return subscription
            except IntegrityError:
                existing = Subscription.objects.filter(report_id=report.pk, email__iexact=email).first()
    if (
        existing is not None
        and existing.confirmed_at is None
        and cache.add(f"defects:support-confirmation:{existing.pk}", 1, SUPPORT_RESEND_SECONDS)
    ):
        _queue_mail(
            kind=NotificationKind.SUBSCRIPTION_CONFIRMATION, report_id=report.pk, subscription_id=existing.pk
        )
    raise ReportActionError(
        Code.ALREADY_SUBSCRIBED,
        gettext("Diese E-Mail-Adresse ist für diese Meldung schon eingetragen."),
        field="email",
    )


@transaction.atomic
def subscription_confirm(*, subscription_id: int, token: str) -> Subscription:
    """Confirm a subscription by the link in its mail; a supporter's support counts from now. Idempotent."""
    subscription = _subscription_for_update(subscription_id=subscription_id, token=token)
    if subscription.confirmed_at is not None:
        return subscription
    subscription.confirmed_at = timezone.now()
    subscription.save(update_fields=["confirmed_at"])
    if subscription.role == Subscription.Role.SUPPORTER:
        # No personal data: the history only says that someone supports the report.
        _write_event(report=subscription.report, kind=ReportEvent.Kind.SUPPORTED, actor_label=ACTOR_SUPPORTER)
    return subscription


@transaction.atomic
def subscription_cancel(*, subscription_id: int, token: str) -> None:
    """End a subscription by the link in any of its mails: no more mails, and the address is deleted."""
    subscription = _subscription_for_update(subscription_id=subscription_id, token=token)
    subscription.delete()


# --- Expiry ----------------------------------------------------------------------------------------------


def reports_expire_unconfirmed(*, now: datetime | None = None) -> int:
    """Delete reports not confirmed within ``REPORT_UNCONFIRMED_RETENTION_DAYS``, with their photo files.

    Runs in batches, each its own transaction; a report being confirmed at this very moment is skipped (its
    row is locked). Photo files are deleted once the deletion of their rows is committed.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REPORT_UNCONFIRMED_RETENTION_DAYS)
    storage = ReportPhoto._meta.get_field("image").storage
    deleted = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            ids = list(
                Report.objects.filter(status=ReportStatus.UNCONFIRMED, created_at__lt=cutoff, pk__gt=last_pk)
                .select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:EXPIRY_BATCH_SIZE]
            )
            if not ids:
                break
            last_pk = ids[-1]
            files = [
                name
                for name in ReportPhoto.objects.filter(report_id__in=ids).values_list("image", flat=True)
                if name
            ]
            ReportPhoto.objects.filter(report_id__in=ids).delete()
            Report.objects.filter(pk__in=ids).delete()
            deleted += len(ids)
            transaction.on_commit(lambda files=files: _delete_files(storage, files))
    if deleted:
        logger.info("Deleted %s unconfirmed reports older than %s", deleted, cutoff.date().isoformat())
    return deleted


# --- Re-routing after a boundary change -------------------------------------------------------------------

# Districts and quarters are cut into pieces of at most this many vertices for the point-in-polygon tests (as
# the generator does): each test then reads a small piece with its own index entry, not a whole outline.
REROUTE_SUBDIVIDE_VERTICES = 64
# Reports in these statuses are still the city's work (or will be once confirmed): they follow the
# responsibility of their new district. Done reports keep the department that did the work.
REROUTE_STATUSES: frozenset[str] = frozenset({ReportStatus.UNCONFIRMED, *lifecycle.OPEN_STATUSES})


@dataclass(frozen=True)
class RerouteResult:
    """What ``reports_reroute`` changed."""

    # Reports written (district, quarter or department changed), each with version + 1.
    reports_updated: int
    # Of those: a new district; a new department (each with one "forwarded" event).
    districts_changed: int
    departments_changed: int
    # Changed by someone else between the spatial join and the update: left alone, a second run takes them.
    reports_skipped: int

    def __str__(self) -> str:
        with translation.override(settings.LANGUAGE_CODE):
            # Counts after a colon: correct German for 1 as for 1,000 without plural forms.
            text = gettext(
                "Neuzuordnung nach Gebietsänderung – Meldungen aktualisiert: %(updated)d, davon in einem "
                "anderen Ortsratsbereich: %(districts)d, an einen anderen Fachbereich weitergeleitet: "
                "%(departments)d."
            ) % {
                "updated": self.reports_updated,
                "districts": self.districts_changed,
                "departments": self.departments_changed,
            }
            if self.reports_skipped:
                text += " " + gettext(
                    "Währenddessen bearbeitet und daher nicht geändert: %(skipped)d; bitte "
                    "manage.py reroute_reports erneut ausführen."
                ) % {"skipped": self.reports_skipped}
        return text


def _reroute_sql(template: str) -> str:
    return template.format(routing_rules=routing_rules_sql(category_id="c.id"), **sql_table_names())


def _reroute_texts() -> dict[str, str]:
    # The reasons of route_report (same msgids) and the event's note, stored in the platform's language.
    with translation.override(settings.LANGUAGE_CODE):
        note = gettext("Nach einer Änderung der Gebietsgrenzen neu zugeordnet: %(reason)s")
    return {**routing_reason_sql_templates(), "tmpl_note": note.replace("%(reason)s", "%1$s")}


# Temporary work tables of one re-routing, dropped at the end of the transaction. Indexed and analysed, so the
# planner joins a million points with the pieces through the GiST index.
_REROUTE_SETUP = (
    "DROP TABLE IF EXISTS reroute_district_parts, reroute_quarter_parts, reroute_routing, reroute_candidates, "
    "reroute_changes",
    """
CREATE TEMP TABLE reroute_district_parts ON COMMIT DROP AS
SELECT id AS district_id, official_id, slug, ST_Subdivide(geom, %(vertices)s) AS geom
FROM {district} WHERE city_id = %(city_id)s
""",
    """
CREATE TEMP TABLE reroute_quarter_parts ON COMMIT DROP AS
SELECT q.id AS quarter_id, q.district_id, q.official_id, q.slug, ST_Subdivide(q.geom, %(vertices)s) AS geom
FROM {quarter} q JOIN {district} d ON d.id = q.district_id
WHERE d.city_id = %(city_id)s
""",
    # Every (category, district) pair routed like defects.selectors.route_report: the district's rule, else the
    # citywide one, rules of inactive departments skipped, else the triage department (flagged). Inactive
    # categories too: old reports have them. department_id is NULL where even triage is missing.
    """
CREATE TEMP TABLE reroute_routing ON COMMIT DROP AS
SELECT x.category_id, x.district_id, x.department_id, x.needs_triage,
       CASE WHEN char_length(x.reason) <= %(reason_max)s THEN x.reason
            ELSE left(x.reason, %(reason_max)s - 1) || '…' END AS reason
FROM (
    SELECT c.id AS category_id, d.id AS district_id, dep.id AS department_id,
           (dr.department_id IS NULL AND cr.department_id IS NULL) AS needs_triage,
           format(CASE WHEN dr.department_id IS NOT NULL THEN %(tmpl_district)s
                       WHEN cr.department_id IS NOT NULL THEN %(tmpl_citywide)s
                       ELSE %(tmpl_triage)s END, c.name, d.name, dep.name) AS reason
    FROM {category} c
    CROSS JOIN {district} d
    {routing_rules}
    LEFT JOIN {department} dep ON dep.id = coalesce(
        dr.department_id, cr.department_id,
        (SELECT t.id FROM {department} t WHERE t.kind = 'triage' AND t.is_active ORDER BY t.id LIMIT 1)
    )
    WHERE d.city_id = %(city_id)s
) x
""",
    "CREATE INDEX ON reroute_district_parts USING gist (geom)",
    "CREATE INDEX ON reroute_quarter_parts USING gist (geom)",
    "CREATE UNIQUE INDEX ON reroute_routing (category_id, district_id)",
    "ANALYZE reroute_district_parts",
    "ANALYZE reroute_quarter_parts",
    "ANALYZE reroute_routing",
)

# Which reports are looked at: all, or those now in one of the given districts or still stored with one. The
# latter are collected first (by the district index and the location's GiST index), so the planner knows how
# few they are and probes the areas for them only.
_REROUTE_ALL = "TRUE"
_REROUTE_SOME = "r.id IN (SELECT id FROM reroute_candidates)"
_REROUTE_CANDIDATES = (
    """
CREATE TEMP TABLE reroute_candidates ON COMMIT DROP AS
SELECT x.id FROM {report} x WHERE x.district_id = ANY(%(district_ids)s)
UNION
SELECT x.id FROM reroute_district_parts p JOIN {report} x ON ST_Intersects(p.geom, x.location)
WHERE p.district_id = ANY(%(district_ids)s)
""",
    "ANALYZE reroute_candidates",
)

# The one pass over the reports: each report's district (tie rule of districts.selectors.district_for_point)
# and its quarter within that district (as report_create finds it), each by an index probe into the pieces
# (no sort of all reports), and the decision, kept for the changed reports only.
_REROUTE_CHANGES = """
CREATE TEMP TABLE reroute_changes ON COMMIT DROP AS
WITH located AS (
    SELECT r.id, r.version, r.status, r.category_id, r.district_id, r.quarter_id, r.department_id,
           d.district_id AS new_district_id, q.quarter_id AS new_quarter_id
    FROM {report} r
    CROSS JOIN LATERAL (
        SELECT p.district_id FROM reroute_district_parts p WHERE ST_Intersects(p.geom, r.location)
        ORDER BY p.official_id, p.slug, p.district_id LIMIT 1
    ) d
    LEFT JOIN LATERAL (
        SELECT qp.quarter_id FROM reroute_quarter_parts qp
        WHERE qp.district_id = d.district_id AND ST_Intersects(qp.geom, r.location)
        ORDER BY qp.official_id, qp.slug, qp.quarter_id LIMIT 1
    ) q ON true
    WHERE {candidates}
),
changed AS (
    SELECT l.*, l.new_district_id <> l.district_id AND l.status = ANY(%(reroute_statuses)s) AS rerouted
    FROM located l
    WHERE l.new_district_id <> l.district_id OR l.new_quarter_id IS DISTINCT FROM l.quarter_id
)
SELECT ch.id, ch.version, ch.new_district_id AS district_id, ch.new_quarter_id AS quarter_id,
       ch.new_district_id <> ch.district_id AS district_changed,
       ch.rerouted, ch.department_id AS old_department_id,
       CASE WHEN ch.rerouted THEN rt.department_id ELSE ch.department_id END AS department_id,
       ch.rerouted AND rt.department_id IS DISTINCT FROM ch.department_id AS forwarded,
       rt.needs_triage, rt.reason
FROM changed ch
LEFT JOIN reroute_routing rt ON rt.category_id = ch.category_id AND rt.district_id = ch.new_district_id
"""

_REROUTE_UNROUTABLE = "SELECT EXISTS (SELECT 1 FROM reroute_changes WHERE rerouted AND department_id IS NULL)"

# The writes: the version named in the join must still be the row's (as the workspace's optimistic lock), so
# a report somebody changed meanwhile is skipped, not overwritten with a decision made on its old state.
_REROUTE_WRITE = """
WITH updated AS (
    UPDATE {report} r
    SET district_id = c.district_id,
        quarter_id = c.quarter_id,
        department_id = c.department_id,
        routing_reason = CASE WHEN c.rerouted THEN c.reason ELSE r.routing_reason END,
        needs_triage = CASE WHEN c.forwarded THEN c.needs_triage ELSE r.needs_triage END,
        accepted_at = CASE WHEN c.forwarded THEN NULL ELSE r.accepted_at END,
        assignee_id = CASE WHEN c.forwarded THEN NULL ELSE r.assignee_id END,
        version = r.version + 1,
        updated_at = %(now)s
    FROM reroute_changes c
    WHERE r.id = c.id AND r.version = c.version
    RETURNING r.id, c.district_changed, c.forwarded, c.old_department_id, c.department_id, c.reason
),
events AS (
    INSERT INTO {event} (
        report_id, kind, created_at, actor_id, actor_label, from_status, to_status, from_department_id,
        to_department_id, public_message, internal_note
    )
    SELECT u.id, %(kind)s, %(now)s, NULL, %(actor)s, '', '', u.old_department_id, u.department_id, '',
           format(%(tmpl_note)s, u.reason)
    FROM updated u WHERE u.forwarded
)
SELECT count(*), count(*) FILTER (WHERE district_changed), count(*) FILTER (WHERE forwarded),
       (SELECT count(*) FROM reroute_changes)
FROM updated
"""


@transaction.atomic
def reports_reroute(*, district_ids: Sequence[int] | None = None, actor_label: str = "") -> RerouteResult:
    """Give every report the district and quarter it lies in now, and route the ones still being worked anew.

    Run after district or quarter boundaries changed (the city import and the admin call it through
    ``districts.boundaries``; ``manage.py reroute_reports`` by hand). ``district_ids`` limits the work to the
    reports stored with, or now lying in, one of these districts; None looks at all reports.

    What changes, as in FixMyStreet or Klarschiff:

    - Every report gets the district (tie rule of ``district_for_point``) and the quarter it lies in now, also
      resolved, closed and rejected ones: statistics by district count where things are.
    - Only a report whose district changed and that is still the city's work (unconfirmed or open, see
      ``REROUTE_STATUSES``) gets the department responsible in the new district (as ``route_report``), with
      the new routing reason. Done reports keep the department that did the work: moving them would put
      finished work into another department's figures and history.
    - Where the department changes, the report is no longer accepted nor assigned (the old department's
      staff), gets the triage flag of the new routing, and one internal "forwarded" event by the system.
    - A report whose district stays is left as it is, even if a rule would now send it elsewhere: manual
      forwards stand, and changed responsibilities are not a boundary change.

    Each written report gets version + 1 and ``updated_at``, so a form opened before is a conflict. A report
    outside every district after the change keeps its district. Set-based: one spatial join over indexed pieces
    of the areas and one update with the events, whatever the number of reports. Raises
    ``RoutingNotConfigured`` if a report needs the triage department and none is active.
    """
    city = current_city()
    if city is None or (district_ids is not None and not district_ids):
        return RerouteResult(reports_updated=0, districts_changed=0, departments_changed=0, reports_skipped=0)
    texts = _reroute_texts()
    params = {
        "city_id": city.pk,
        "vertices": REROUTE_SUBDIVIDE_VERTICES,
        "reason_max": Report._meta.get_field("routing_reason").max_length,
        "reroute_statuses": sorted(REROUTE_STATUSES),
        "district_ids": list(district_ids or ()),
        "kind": str(ReportEvent.Kind.FORWARDED),
        "actor": (_german(actor_label) if actor_label else _german(ACTOR_SYSTEM))[:100],
        "now": timezone.now(),
        **texts,
    }
    candidates = _REROUTE_ALL if district_ids is None else _REROUTE_SOME
    with connection.cursor() as cursor:
        for statement in _REROUTE_SETUP + (() if district_ids is None else _REROUTE_CANDIDATES):
            cursor.execute(_reroute_sql(statement), params)
        cursor.execute(_reroute_sql(_REROUTE_CHANGES.replace("{candidates}", candidates)), params)
        cursor.execute(_REROUTE_UNROUTABLE)
        if cursor.fetchone()[0]:
            raise RoutingNotConfigured(
                "No active department of kind 'triage' exists: reports without a responsibility cannot be "
                "routed. Create the central triage department (Zentrale Annahmestelle)."
            )
        cursor.execute(_reroute_sql(_REROUTE_WRITE), params)
        updated, districts_changed, departments_changed, changes = cursor.fetchone()
        cursor.execute(_REROUTE_SETUP[0])
    result = RerouteResult(
        reports_updated=updated,
        districts_changed=districts_changed,
        departments_changed=departments_changed,
        reports_skipped=changes - updated,
    )
    logger.info(
        "Reports re-routed after a boundary change: %s updated, %s new district, %s new department, %s skipped",
        updated,
        districts_changed,
        departments_changed,
        changes - updated,
    )
    # No mail to reporters or subscribers: nothing about the defect or its status changed for them, and the
    # workspace's forward (report_forward) does not mail either; the new department sees the report in its queue.
    return result
