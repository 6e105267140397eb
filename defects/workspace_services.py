"""Writes of the department workspace: the staff's actions on reports, and the leads' daily digest.

Every action is one function here, called alike by the web workspace, the API and any other entry point. Each
single-report action locks the report, checks ``defects.act_on_report`` (``forbidden``) and the version the
staff member saw (``conflict``: somebody changed the report in between, nothing is overwritten), changes it,
bumps ``version`` and writes exactly one ``ReportEvent`` with the actor. Internal texts (reasons of hand-backs
and forwards, notes, who was assigned) go into the event's internal note, never into public messages.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from defects import lifecycle, services
from defects.errors import ReportActionError, ReportErrorCode
from defects.models import (
    DESCRIPTION_MAX_LENGTH,
    MAX_PHOTOS_PER_REPORT,
    Priority,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportStatus,
    Subscription,
)
from defects.notifications import absolute_url
from defects.photos import PhotoError, photo_process
from districts.models import Department, DepartmentMembership

if TYPE_CHECKING:
    from geo_core.accounts.models import User

logger = logging.getLogger(__name__)

ACT_PERMISSION = "defects.act_on_report"
TEXT_MAX_LENGTH = DESCRIPTION_MAX_LENGTH
ROUTING_REASON_MAX_LENGTH = Report._meta.get_field("routing_reason").max_length


class WorkspaceErrorCode(models.TextChoices):
    """Stable codes of refused workspace actions (besides those of ``ReportErrorCode``)."""

    FORBIDDEN = "forbidden", _("Keine Berechtigung")
    CONFLICT = "conflict", _("Inzwischen geändert")
    NOT_FOUND = "not_found", _("Meldung nicht gefunden")
    ALREADY_ACCEPTED = "already_accepted", _("Bereits angenommen")
    DEPARTMENT_INVALID = "department_invalid", _("Fachbereich ungültig")
    NO_TRIAGE = "no_triage", _("Keine Annahmestelle")
    ASSIGNEE_INVALID = "assignee_invalid", _("Person ungültig")
    PRIORITY_INVALID = "priority_invalid", _("Priorität ungültig")
    NOTE_REQUIRED = "note_required", _("Notiz fehlt")
    TEXT_TOO_LONG = "text_too_long", _("Text zu lang")


Code = WorkspaceErrorCode
FORBIDDEN = Code.FORBIDDEN.value
CONFLICT = Code.CONFLICT.value
NOT_FOUND = Code.NOT_FOUND.value


# --- Common steps ----------------------------------------------------------------------------------------


def _forbidden() -> ReportActionError:
    return ReportActionError(FORBIDDEN, gettext("Sie dürfen diese Meldung nicht bearbeiten."))


def _conflict() -> ReportActionError:
    return ReportActionError(
        CONFLICT,
        gettext("Die Meldung wurde inzwischen von jemand anderem geändert. Bitte laden Sie sie neu."),
    )


def _not_found() -> ReportActionError:
    return ReportActionError(NOT_FOUND, gettext("Diese Meldung gibt es nicht (mehr)."))


def _lock(*, report_id: int, actor: User, expected_version: int | None) -> Report:
    """Return the report locked for this transaction, after the permission and the version check.

    Reports still waiting for their reporter's confirmation are nobody's work yet: they count as not found.
    ``expected_version`` None (bulk actions) takes the version as it is now.
    """
    locked = (
        Report.objects.select_for_update(of=("self",))
        .select_related("department", "category")
        .filter(pk=report_id)
        .exclude(status=ReportStatus.UNCONFIRMED)
        .first()
    )
    if locked is None:
        raise _not_found()
    if actor is None or not actor.has_perm(ACT_PERMISSION, locked):
        raise _forbidden()
    if expected_version is not None and locked.version != expected_version:
        raise _conflict()
    return locked


# Fields an action may change; copied back to the caller's instance so it shows the new state.
_STATE_FIELDS = (
    "status",
    "department_id",
    "routing_reason",
    "needs_triage",
    "priority",
    "assignee_id",
    "accepted_at",
    "due_date",
    "duplicate_of_id",
    "confirmed_at",
    "resolved_at",
    "closed_at",
    "withdrawn_at",
    "updated_at",
    "version",
)


def _save(locked: Report, *fields: str) -> None:
    """Save the changed ``fields`` of a locked report with the next version."""
    locked.version += 1
    locked.full_clean()
    locked.save(update_fields=[*fields, "version", "updated_at"])


def _done(locked: Report, report: Report) -> Report:
    if report is not locked:
        for name in _STATE_FIELDS:
            setattr(report, name, getattr(locked, name))
    return locked


def _clean_text(value: object, *, field: str, required: bool, code: str, message: str) -> str:
    text = services._text(value).strip()
    if required and not text:
        raise ReportActionError(code, message, field=field)
    if len(text) > TEXT_MAX_LENGTH:
        raise ReportActionError(
            Code.TEXT_TOO_LONG,
            gettext("Der Text darf höchstens %(max)s Zeichen lang sein.") % {"max": TEXT_MAX_LENGTH},
            field=field,
        )
    return text


def _reason(value: object) -> str:
    return _clean_text(
        value,
        field="reason",
        required=True,
        code=ReportErrorCode.REASON_REQUIRED,
        message=gettext("Bitte schreiben Sie kurz, warum."),
    )


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def _routing_reason(text: str) -> str:
    return text if len(text) <= ROUTING_REASON_MAX_LENGTH else text[: ROUTING_REASON_MAX_LENGTH - 1] + "…"


# --- Single-report actions -------------------------------------------------------------------------------


@transaction.atomic
def report_accept(*, report: Report, actor: User, expected_version: int) -> Report:
    """Accept responsibility for a report in the actor's department; it leaves triage."""
    locked = _lock(report_id=report.pk, actor=actor, expected_version=expected_version)
    if locked.accepted_at is not None:
        raise ReportActionError(
            Code.ALREADY_ACCEPTED, gettext("Die Zuständigkeit für diese Meldung ist schon angenommen.")
        )
    locked.accepted_at = timezone.now()
    locked.needs_triage = False
    _save(locked, "accepted_at", "needs_triage")
    services._write_event(
        report=locked,
        kind=ReportEvent.Kind.ACCEPTED,
        actor=actor,
        to_department=locked.department,
    )
    return _done(locked, report)


def _move(*, locked: Report, to: Department, routing_reason: str, needs_triage: bool) -> Department:
    """Give a locked report to another department: not accepted and nobody's there yet."""
    from_department = locked.department
    locked.department = to
    locked.routing_reason = _routing_reason(routing_reason)
    locked.needs_triage = needs_triage
    locked.accepted_at = None
    locked.assignee = None
    _save(locked, "department", "routing_reason", "needs_triage", "accepted_at", "assignee")
    return from_department


@transaction.atomic
def report_hand_back(*, report: Report, actor: User, expected_version: int, reason: str) -> Report:
    """Hand a report back to the central triage department ("not ours"), with an internal reason."""
    locked = _lock(report_id=report.pk, actor=actor, expected_version=expected_version)
    reason = _reason(reason)
    triage = Department.objects.filter(kind=Department.Kind.TRIAGE, is_active=True).order_by("pk").first()
    if triage is None:
        raise ReportActionError(Code.NO_TRIAGE, gettext("Es gibt keine aktive zentrale Annahmestelle."))
    if triage.pk == locked.department_id:
        raise ReportActionError(
            Code.DEPARTMENT_INVALID,
            gettext("Die Meldung liegt schon bei der Annahmestelle. Bitte leiten Sie sie weiter."),
            field="reason",
        )
    from_department = _move(
        locked=locked,
        to=triage,
        routing_reason=gettext("Von %(department)s an die Annahmestelle zurückgegeben.")
        % {"department": locked.department.name},
        needs_triage=True,
    )
    services._write_event(
        report=locked,
        kind=ReportEvent.Kind.HANDED_BACK,
        actor=actor,
        from_department=from_department,
        to_department=triage,
        internal_note=reason,
    )
    return _done(locked, report)


@transaction.atomic
def report_forward(
    *, report: Report, actor: User, expected_version: int, department: Department, reason: str
) -> Report:
    """Forward a report to another active department, with an internal reason."""
    locked = _lock(report_id=report.pk, actor=actor, expected_version=expected_version)
    reason = _reason(reason)
    target = Department.objects.filter(pk=getattr(department, "pk", None), is_active=True).first()
    if target is None or target.pk == locked.department_id:
        raise ReportActionError(
            Code.DEPARTMENT_INVALID,
            gettext("Bitte wählen Sie einen anderen, aktiven Fachbereich."),
            field="department",
        )
    from_department = _move(
        locked=locked,
        to=target,
        routing_reason=gettext("Von %(department)s weitergeleitet.") % {"department": locked.department.name},
        needs_triage=target.kind == Department.Kind.TRIAGE,
    )
    services._write_event(
        report=locked,
        kind=ReportEvent.Kind.FORWARDED,
        actor=actor,
        from_department=from_department,
        to_department=target,
        internal_note=reason,
    )
    return _done(locked, report)


@transaction.atomic
def report_assign(*, report: Report, actor: User, expected_version: int, assignee: User | None) -> Report:
    """Assign a report to a member of its department (the actor or a colleague), or to nobody."""
    locked = _lock(report_id=report.pk, actor=actor, expected_version=expected_version)
    if assignee is not None:
        is_member = DepartmentMembership.objects.filter(
            department_id=locked.department_id, user_id=assignee.pk, user__is_active=True
        ).exists()
        if not is_member:
            raise ReportActionError(
                Code.ASSIGNEE_INVALID,
                gettext("Meldungen können nur Mitgliedern des zuständigen Fachbereichs zugewiesen werden."),
                field="assignee",
            )
    locked.assignee = assignee
    _save(locked, "assignee")
    note = (
        gettext("Zugewiesen an %(person)s.") % {"person": _person(assignee)}
        if assignee is not None
        else gettext("Zuweisung aufgehoben.")
    )
    services._write_event(report=locked, kind=ReportEvent.Kind.ASSIGNED, actor=actor, internal_note=note)
    return _done(locked, report)


@transaction.atomic
def report_set_priority(*, report: Report, actor: User, expected_version: int, priority: str) -> Report:
    """Set a report's priority."""
    locked = _lock(report_id=report.pk, actor=actor, expected_version=expected_version)
    if priority not in Priority.values:
        raise ReportActionError(
            Code.PRIORITY_INVALID, gettext("Bitte wählen Sie eine der Prioritäten."), field="priority"
        )
    labels = dict(Priority.choices)
    note = f"{labels[locked.priority]} → {labels[priority]}"
    locked.priority = priority
    _save(locked, "priority")
    services._write_event(
        report=locked, kind=ReportEvent.Kind.PRIORITY_CHANGED, actor=actor, internal_note=str(note)
    )
    return _done(locked, report)


def _subscriptions_to_original(*, duplicate: Report, original: Report) -> int:
    """Sign the confirmed subscribers of a duplicate up as supporters of the original; return how many.

    Their subscriptions of the duplicate stay, so the mail saying it is a duplicate still reaches them; from
    now on they also hear about the original. Addresses the original already has are skipped.
    """
    existing = {email.lower() for email in original.subscriptions.values_list("email", flat=True)}
    moved = 0
    for subscription in duplicate.subscriptions.filter(confirmed_at__isnull=False).order_by("pk"):
        if subscription.email.lower() in existing:
            continue
        copy = Subscription(
            report=original,
            email=subscription.email,
            role=Subscription.Role.SUPPORTER,
            token_hash=services._placeholder_hash(),
            confirmed_at=subscription.confirmed_at,
        )
        copy.full_clean(validate_unique=False, validate_constraints=False)
        copy.save()
        services._set_subscription_token(copy)
        existing.add(subscription.email.lower())
        moved += 1
    return moved


@transaction.atomic
def report_change_status(
    *,
    report: Report,
    actor: User,
    expected_version: int,
    to_status: str,
    public_message: str = "",
    internal_note: str = "",
    duplicate_of: Report | None = None,
) -> Report:
    """Change a report's status with a public message and/or an internal note (``report_transition``).

    Subscribers get the public message by e-mail. Marked as a duplicate, the report's confirmed subscribers
    become supporters of the original.
    """
    locked = _lock(report_id=report.pk, actor=actor, expected_version=expected_version)
    public_message = _clean_text(public_message, field="public_message", required=False, code="", message="")
    internal_note = _clean_text(internal_note, field="internal_note", required=False, code="", message="")
    changed = services.report_transition(
        report=locked,
        to_status=to_status,
        actor=actor,
        public_message=public_message,
        internal_note=internal_note,
        duplicate_of=duplicate_of,
    )
    _save(changed, "version")
    if to_status == ReportStatus.DUPLICATE and duplicate_of is not None:
        moved = _subscriptions_to_original(duplicate=changed, original=duplicate_of)
        logger.info(
            "Report %s marked duplicate of %s; %s subscribers moved", changed.pk, duplicate_of.pk, moved
        )
    return _done(changed, report)


@transaction.atomic
def report_add_note(*, report: Report, actor: User, expected_version: int, internal_note: str) -> Report:
    """Add an internal note to a report's history (never shown publicly, never mailed)."""
    locked = _lock(report_id=report.pk, actor=actor, expected_version=expected_version)
    note = _clean_text(
        internal_note,
        field="internal_note",
        required=True,
        code=Code.NOTE_REQUIRED,
        message=gettext("Bitte schreiben Sie eine Notiz."),
    )
    _save(locked)
    services._write_event(
        report=locked,
        kind=ReportEvent.Kind.NOTE,
        actor=actor,
        from_status=locked.status,
        to_status=locked.status,
        internal_note=note,
    )
    return _done(locked, report)


def report_add_after_photo(
    *, report: Report, actor: User, expected_version: int, photo: UploadedFile
) -> Report:
    """Attach a public photo of the repaired place: re-encoded, stripped of all metadata, kind "after".

    An unusable file is refused with the photo's error code (``photo_*``) on the field ``photo``.
    """
    # Decoding and re-encoding are slow: done before the report is locked.
    try:
        processed = photo_process(upload=photo)
    except PhotoError as error:
        raise ReportActionError(str(error.code), str(error.message), field="photo") from None
    storage = ReportPhoto._meta.get_field("image").storage
    written: list[str] = []
    try:
        with transaction.atomic():
            locked = _lock(report_id=report.pk, actor=actor, expected_version=expected_version)
            after_photos = locked.photos.filter(kind=ReportPhoto.Kind.AFTER)
            if after_photos.count() >= MAX_PHOTOS_PER_REPORT:
                raise ReportActionError(
                    ReportErrorCode.TOO_MANY_PHOTOS,
                    gettext("Eine Meldung kann höchstens %(max)s Fotos nach Erledigung haben.")
                    % {"max": MAX_PHOTOS_PER_REPORT},
                    field="photo",
                )
            last = locked.photos.order_by("-position").values_list("position", flat=True).first()
            record = ReportPhoto(
                report=locked,
                kind=ReportPhoto.Kind.AFTER,
                position=0 if last is None else last + 1,
                is_public=True,
            )
            # A random name: the upload's own name may say who took it.
            record.image.save(
                f"{uuid.uuid4().hex}.{processed.extension}", ContentFile(processed.content), save=False
            )
            written.append(record.image.name)
            record.full_clean()
            record.save()
            _save(locked)
            services._write_event(report=locked, kind=ReportEvent.Kind.PHOTO_ADDED, actor=actor)
    except BaseException:
        services._delete_files(storage, written)
        raise
    return _done(locked, report)


# --- Bulk actions ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkResult:
    """The outcome for one report of a bulk action: ``ok`` with the new version, or the error's code."""

    report_id: int
    ok: bool
    version: int | None = None
    code: str | None = None
    message: str | None = None


def _bulk(report_ids, action) -> list[BulkResult]:
    results = []
    for report_id in dict.fromkeys(report_ids):  # each once, in the given order
        report = Report.objects.filter(pk=report_id).only("pk", "version").first()
        if report is None:
            error = _not_found()
            results.append(BulkResult(report_id=report_id, ok=False, code=error.code, message=error.message))
            continue
        try:
            changed = action(report)
        except ReportActionError as error:
            results.append(
                BulkResult(report_id=report_id, ok=False, code=str(error.code), message=str(error.message))
            )
        else:
            results.append(BulkResult(report_id=report_id, ok=True, version=changed.version))
    return results


def reports_bulk_assign(*, actor: User, report_ids: list[int], assignee: User | None) -> list[BulkResult]:
    """Assign each report on its own (own permission check, version and event); return a result per report."""
    return _bulk(
        report_ids,
        lambda report: _bulk_call(report_assign, report=report, actor=actor, assignee=assignee),
    )


def reports_bulk_change_status(
    *, actor: User, report_ids: list[int], to_status: str, public_message: str = ""
) -> list[BulkResult]:
    """Change each report's status on its own (as ``report_change_status``); return a result per report."""
    return _bulk(
        report_ids,
        lambda report: _bulk_call(
            report_change_status,
            report=report,
            actor=actor,
            to_status=to_status,
            public_message=public_message,
        ),
    )


def _bulk_call(function, *, report: Report, **arguments) -> Report:
    # The staff member chose the reports from the list, not a version: each takes its current one, checked
    # again under the lock by the single action.
    return function(report=report, expected_version=report.version, **arguments)


# --- The leads' daily digest -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentDigest:
    department: Department
    new: int
    not_accepted: int
    overdue: int

    @property
    def is_empty(self) -> bool:
        return not (self.new or self.not_accepted or self.overdue)


def department_digest(*, department: Department, today: date) -> DepartmentDigest:
    """Return the counts of a department's digest for ``today``.

    New: reports that reached the department on the day before (confirmed there, or forwarded or handed to
    it). Not accepted: open reports nobody accepted yet. Overdue: open reports past their due date.
    """
    zone = timezone.get_current_timezone()
    since = datetime.combine(today - timedelta(days=1), time.min, tzinfo=zone)
    until = datetime.combine(today, time.min, tzinfo=zone)
    reports = Report.objects.filter(department=department).exclude(status=ReportStatus.UNCONFIRMED)
    arrived = ReportEvent.objects.filter(
        to_department=department,
        kind__in=[ReportEvent.Kind.FORWARDED, ReportEvent.Kind.HANDED_BACK],
        created_at__gte=since,
        created_at__lt=until,
    ).values("report_id")
    new = reports.filter(Q(confirmed_at__gte=since, confirmed_at__lt=until) | Q(pk__in=arrived)).count()
    still_open = reports.filter(status__in=lifecycle.OPEN_STATUSES)
    return DepartmentDigest(
        department=department,
        new=new,
        not_accepted=still_open.filter(accepted_at__isnull=True).count(),
        overdue=still_open.filter(due_date__lt=today).count(),
    )


def _queue_link(**filters: object) -> str:
    return absolute_url(reverse("workspace:queue")) + "?" + urlencode(filters)


def _digest_mail(*, digest: DepartmentDigest, lead, today: date) -> EmailMessage:
    department = digest.department
    context = {
        "name": lead.get_full_name(),
        "department": department.name,
        "today": today,
        "new": digest.new,
        "not_accepted": digest.not_accepted,
        "overdue": digest.overdue,
        "queue_url": _queue_link(department=department.pk),
        "open_url": _queue_link(department=department.pk, status=ReportStatus.OPEN),
        "overdue_url": _queue_link(department=department.pk, overdue=1),
        "platform_name": settings.PLATFORM_NAME,
    }
    subject = " ".join(render_to_string("defects/email/digest_subject.txt", context).split())
    body = render_to_string("defects/email/digest.txt", context)
    return EmailMessage(
        subject=subject, body=body, to=[lead.email], headers={"Auto-Submitted": "auto-generated"}
    )


def department_digests_send(*, today: date) -> int:
    """E-mail each active department's leads their daily digest; return the number of mails sent.

    A department with nothing new, nothing unaccepted and nothing overdue sends nothing.
    """
    messages: list[EmailMessage] = []
    departments = Department.objects.filter(
        is_active=True,
        memberships__role=DepartmentMembership.Role.LEAD,
        memberships__user__is_active=True,
    ).distinct()
    with translation.override(settings.LANGUAGE_CODE):
        for department in departments.order_by("name"):
            digest = department_digest(department=department, today=today)
            if digest.is_empty:
                continue
            leads = (
                DepartmentMembership.objects.filter(
                    department=department, role=DepartmentMembership.Role.LEAD, user__is_active=True
                )
                .exclude(user__email="")
                .select_related("user")
                .order_by("user_id")
            )
            messages.extend(_digest_mail(digest=digest, lead=lead.user, today=today) for lead in leads)
    sent = get_connection().send_messages(messages) if messages else 0
    logger.info("Department digests for %s: %s mails", today.isoformat(), sent or 0)
    return sent or 0
