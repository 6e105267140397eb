"""The Mängelmelder's e-mails: composed from ids in the task queue, sent through Django's mail backend.

Jobs carry only ids and a kind (job arguments sit in the database in clear); everything else, including the
secrets in the links (see ``defects.tokens``), is loaded or rebuilt here when the mail is sent. Mails to
subscribers contain public information only: the status and the public message, never an internal note.
Log lines name ids and kinds, never an address or a name.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from defects import tokens
from defects.models import Report, ReportEvent, Subscription
from defects.selectors import status_labels

logger = logging.getLogger(__name__)


class NotificationKind(models.TextChoices):
    # To the reporter, right after submitting: confirm link and manage link.
    REPORT_CONFIRMATION = "report_confirmation"
    # To someone who wants to support a report: confirm link and cancel link.
    SUBSCRIPTION_CONFIRMATION = "subscription_confirmation"
    # To a confirmed subscriber: the report changed publicly.
    STATUS_CHANGED = "status_changed"
    # To the responsible department: the reporter asked to reopen the report.
    REOPEN_REQUESTED = "reopen_requested"


@dataclass(frozen=True)
class Mail:
    to: str
    template: str
    context: dict
    headers: dict


def absolute_url(path: str) -> str:
    """Return an absolute link for an e-mail (no request to take the host from)."""
    return settings.REPORT_BASE_URL.rstrip("/") + path


def _url(name: str, **kwargs: object) -> str:
    return absolute_url(reverse(name, kwargs=kwargs))


def report_token(report: Report) -> str:
    """Return the secret of the reporter's links, making a new one if no secret key makes the stored one.

    That happens only after ``SECRET_KEY`` was changed without keeping the old key in ``SECRET_KEY_FALLBACKS``:
    the old links are dead then anyway, and the mail being sent carries working ones.
    """
    token = tokens.current_token(
        purpose=tokens.REPORT_PURPOSE,
        object_id=report.pk,
        created_at=report.created_at,
        stored_hash=report.reporter_token_hash,
    )
    if token is None:
        token = tokens.derive_token(
            purpose=tokens.REPORT_PURPOSE, object_id=report.pk, created_at=report.created_at
        )
        report.reporter_token_hash = tokens.token_hash(token)
        Report.objects.filter(pk=report.pk).update(reporter_token_hash=report.reporter_token_hash)
        logger.warning("Link secret of report %s renewed (secret key changed?)", report.pk)
    return token


def subscription_token(subscription: Subscription) -> str:
    """Return the secret of a subscription's links (renewed like ``report_token`` if necessary)."""
    token = tokens.current_token(
        purpose=tokens.SUBSCRIPTION_PURPOSE,
        object_id=subscription.pk,
        created_at=subscription.created_at,
        stored_hash=subscription.token_hash,
    )
    if token is None:
        token = tokens.derive_token(
            purpose=tokens.SUBSCRIPTION_PURPOSE, object_id=subscription.pk, created_at=subscription.created_at
        )
        subscription.token_hash = tokens.token_hash(token)
        Subscription.objects.filter(pk=subscription.pk).update(token_hash=subscription.token_hash)
        logger.warning("Link secret of subscription %s renewed (secret key changed?)", subscription.pk)
    return token


def _report_context(report: Report) -> dict:
    """Return what every mail says about the report: public facts only."""
    return {
        "report_id": report.pk,
        "category": report.category.name,
        "address": report.address_label,
        "district": report.district.name,
        "created_at": report.created_at,
        "detail_url": _url("defects:report_detail", pk=report.pk),
        "platform_name": settings.PLATFORM_NAME,
    }


def _load_report(report_id: int) -> Report | None:
    return Report.objects.select_related("category", "district", "department").filter(pk=report_id).first()


def _report_confirmation(*, report_id: int, **_ids: object) -> Mail | None:
    report = _load_report(report_id)
    if report is None or not report.reporter_email:
        return None
    token = report_token(report)
    context = {
        **_report_context(report),
        "name": report.reporter_name,
        "confirm_url": _url("defects:report_confirm", report_id=report.pk, token=token),
        "manage_url": _url("defects:report_manage", pk=report.pk, token=token),
        "retention_days": settings.REPORT_UNCONFIRMED_RETENTION_DAYS,
    }
    return Mail(to=report.reporter_email, template="report_confirmation", context=context, headers={})


def _load_subscription(subscription_id: object) -> Subscription | None:
    if subscription_id is None:
        return None
    return (
        Subscription.objects.select_related("report__category", "report__district")
        .filter(pk=subscription_id)
        .first()
    )


def _subscription_links(subscription: Subscription) -> dict:
    token = subscription_token(subscription)
    cancel_url = _url("defects:subscription_cancel", subscription_id=subscription.pk, token=token)
    return {
        "confirm_url": _url("defects:subscription_confirm", subscription_id=subscription.pk, token=token),
        "cancel_url": cancel_url,
    }


def _subscription_confirmation(*, subscription_id: object = None, **_ids: object) -> Mail | None:
    subscription = _load_subscription(subscription_id)
    if subscription is None or subscription.confirmed_at is not None:
        return None
    context = {**_report_context(subscription.report), **_subscription_links(subscription)}
    return Mail(to=subscription.email, template="subscription_confirmation", context=context, headers={})


def _status_changed(
    *, subscription_id: object = None, event_id: object = None, **_ids: object
) -> Mail | None:
    subscription = _load_subscription(subscription_id)
    event = (
        ReportEvent.objects.filter(pk=event_id).only("id", "report_id", "to_status", "public_message").first()
    )
    if subscription is None or subscription.confirmed_at is None or event is None:
        return None
    if event.report_id != subscription.report_id:
        return None
    report = subscription.report
    links = _subscription_links(subscription)
    context = {
        **_report_context(report),
        "cancel_url": links["cancel_url"],
        "status_label": status_labels().get(event.to_status or report.status, ""),
        # The public message only: the internal note is never loaded here.
        "public_message": event.public_message,
        "is_reporter": subscription.role == Subscription.Role.REPORTER,
        "manage_url": "",
    }
    if context["is_reporter"]:
        context["manage_url"] = _url("defects:report_manage", pk=report.pk, token=report_token(report))
    headers = {"List-Unsubscribe": f"<{links['cancel_url']}>"}
    return Mail(to=subscription.email, template="status_changed", context=context, headers=headers)


def _reopen_requested(*, report_id: int, event_id: object = None, **_ids: object) -> Mail | None:
    report = _load_report(report_id)
    event = ReportEvent.objects.filter(pk=event_id, report_id=report_id).only("id", "public_message").first()
    if report is None or event is None or not report.department.email:
        return None
    context = {
        **_report_context(report),
        "department": report.department.name,
        "reason": event.public_message,
        "status_label": status_labels().get(report.status, ""),
    }
    return Mail(to=report.department.email, template="reopen_requested", context=context, headers={})


_COMPOSERS = {
    NotificationKind.REPORT_CONFIRMATION: _report_confirmation,
    NotificationKind.SUBSCRIPTION_CONFIRMATION: _subscription_confirmation,
    NotificationKind.STATUS_CHANGED: _status_changed,
    NotificationKind.REOPEN_REQUESTED: _reopen_requested,
}


def compose(
    *, kind: str, report_id: int, subscription_id: int | None = None, event_id: int | None = None
) -> EmailMessage | None:
    """Return the e-mail of a notification, or None if there is nothing to send any more.

    Nothing to send: the report or subscription is gone (expired, cancelled), the subscription is not (or
    already) confirmed, or the department has no address. That is not an error: the job just ends.
    """
    composer = _COMPOSERS.get(kind)
    if composer is None:
        raise ValueError(f"unknown notification kind {kind!r}")
    with translation.override(settings.LANGUAGE_CODE):
        mail = composer(report_id=report_id, subscription_id=subscription_id, event_id=event_id)
        if mail is None:
            return None
        subject = render_to_string(f"defects/email/{mail.template}_subject.txt", mail.context)
        body = render_to_string(f"defects/email/{mail.template}.txt", mail.context)
    # A subject is one line, whatever the template or the data contain.
    subject = " ".join(subject.split())
    headers = {"Auto-Submitted": "auto-generated", **mail.headers}
    return EmailMessage(subject=subject, body=body, to=[mail.to], headers=headers)


def send_notification(
    *, kind: str, report_id: int, subscription_id: int | None = None, event_id: int | None = None
) -> bool:
    """Compose and send one notification; return whether a mail went out."""
    message = compose(kind=kind, report_id=report_id, subscription_id=subscription_id, event_id=event_id)
    if message is None:
        logger.info("Notification %s for report %s: nothing to send", kind, report_id)
        return False
    message.send(fail_silently=False)
    logger.info("Notification %s for report %s sent", kind, report_id)
    return True
