"""Background work of the Mängelmelder, run by the Procrastinate worker (``manage.py procrastinate worker``).

Job arguments are stored in the jobs table in clear, so they are ids and kinds only, never personal data or
link secrets: the task loads the rest itself (see ``defects.notifications``).
"""

from __future__ import annotations

import logging
import smtplib

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from defects import notifications

logger = logging.getLogger(__name__)

# A mail server that is down or refuses for a while: retry after 8 s, 64 s, ~9 min, ~1.1 h. A bug in a template
# is no reason to retry, so only network and SMTP errors are.
_MAIL_RETRY = RetryStrategy(
    max_attempts=5, exponential_wait=8, retry_exceptions={smtplib.SMTPException, OSError}
)

# Every day at 03:17 UTC (Procrastinate's cron runs in UTC), a quiet hour in Central Europe.
EXPIRY_CRON = "17 3 * * *"
# Every day at 05:00 UTC (06:00 or 07:00 in Germany): the department leads' digest is there when work starts.
DIGEST_CRON = "0 5 * * *"


@app.task(name="defects.send_report_email", retry=_MAIL_RETRY)
def send_report_email(
    *, kind: str, report_id: int, subscription_id: int | None = None, event_id: int | None = None
) -> bool:
    """Send one notification of a report (see ``defects.notifications.NotificationKind``)."""
    return notifications.send_notification(
        kind=kind, report_id=report_id, subscription_id=subscription_id, event_id=event_id
    )


@app.periodic(cron=EXPIRY_CRON, periodic_id="daily")
@app.task(name="defects.expire_unconfirmed_reports", queueing_lock="defects.expire_unconfirmed_reports")
def expire_unconfirmed_reports(timestamp: int) -> int:
    """Delete reports whose e-mail address was not confirmed in time, with their photos."""
    from defects.services import reports_expire_unconfirmed  # services defer the tasks above

    deleted = reports_expire_unconfirmed()
    logger.info("Expired %s unconfirmed reports", deleted)
    return deleted


@app.periodic(cron=DIGEST_CRON, periodic_id="daily-digest")
@app.task(name="defects.send_department_digests", queueing_lock="defects.send_department_digests")
def send_department_digests(timestamp: int) -> int:
    """E-mail the department leads their daily digest: new, not yet accepted and overdue reports."""
    from datetime import UTC, datetime

    from django.utils import timezone

    from defects.workspace_services import department_digests_send  # services defer the tasks above

    today = timezone.localdate(datetime.fromtimestamp(timestamp, tz=UTC))
    sent = department_digests_send(today=today)
    logger.info("Sent %s department digests", sent)
    return sent
