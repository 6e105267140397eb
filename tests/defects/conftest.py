"""Fixtures of the Mängelmelder's tests, and ``run_tasks``: run the queued background jobs for real.

``run_tasks()`` (fixture) or ``run_queued_jobs()`` (plain function, for tests elsewhere) starts Procrastinate's
worker in one-shot mode: it fetches every job waiting in the database, runs it, and stops when the queue is
empty. Everything happens in the test's thread on the test's database connection, so the jobs see the data of
an ordinary ``db`` test (which is never committed) as well as that of a ``transactional_db`` or live-server
test. Mails end up in ``django.core.mail.outbox``. Example::

    def test_confirmation_mail(client, run_tasks):
        client.post(...)            # the service queues the mail with the report
        run_tasks()
        [message] = mail.outbox
"""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import procrastinate.utils
import pytest
from asgiref.sync import async_to_sync, sync_to_async
from procrastinate import periodic
from procrastinate.contrib.django import procrastinate_app
from procrastinate.contrib.django.django_connector import DjangoConnector

from defects import notifications, services
from defects.models import Category, Report, Responsibility, Subscription
from defects.services import ReportCreateResult
from districts.models import Department, District
from tests.defects.factories import WEST_POINT, CategoryFactory, ReportFactory, ResponsibilityFactory
from tests.factories import DepartmentFactory


class JobFailed(AssertionError):
    """A queued job raised: the test should see its error, not a silently missing mail."""


class _WorkerDjangoConnector(DjangoConnector):
    """The Django connector, able to feed a worker too.

    Django's connection hands ``jsonb`` back as text (JSONField decodes it itself); the worker expects the job's
    arguments decoded. (A real worker uses a psycopg connector of its own, see ``manage.py procrastinate``.)
    """

    def _dictfetch(self, cursor):
        for row in super()._dictfetch(cursor):
            if isinstance(row.get("args"), str):
                row["args"] = json.loads(row["args"])
            yield row


async def _in_this_thread(func, *args: Any, **kwargs: Any) -> Any:
    # Procrastinate runs sync tasks in a worker thread, which would have its own database connection and not
    # see the test's uncommitted data; thread-sensitive calls come back to the thread that started the worker.
    return await sync_to_async(func, thread_sensitive=True)(*args, **kwargs)


def run_queued_jobs() -> list[str]:
    """Run every job waiting in the queue now; return the names of the tasks run, in order.

    Jobs queued by the jobs themselves run too. Periodic tasks are not deferred by this worker (a test about
    them defers the task itself). Raises ``JobFailed`` (from the job's exception) if a job failed.
    """
    app = procrastinate_app.current_app
    ran: list[str] = []
    failures: list[tuple[str, BaseException]] = []

    def record(call_next, context, worker):
        ran.append(context.job.task_name)
        try:
            return call_next()
        except BaseException as error:
            failures.append((context.job.task_name, error))
            raise

    with (
        mock.patch.object(procrastinate.utils, "sync_to_async", _in_this_thread),
        mock.patch.object(app, "periodic_registry", periodic.PeriodicRegistry()),
        app.replace_connector(_WorkerDjangoConnector(alias=app.connector.alias)),
    ):
        # async_to_sync from this thread: the worker's own database calls (thread-sensitive) run here as well.
        async_to_sync(app.run_worker_async)(
            wait=False,
            install_signal_handlers=False,
            listen_notify=False,
            delete_jobs="never",
            # Replaces the Django connection clean-up, which would close the test's connection mid-transaction.
            task_middleware=[record],
        )
    if failures:
        name, error = failures[0]
        raise JobFailed(f"job {name} failed: {error!r}") from error
    return ran


@pytest.fixture
def run_tasks():
    """Return ``run_queued_jobs``: call it to run the queued background jobs (e.g. to send queued mails)."""
    return run_queued_jobs


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Photos written by a test go to its own folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def triage(db) -> Department:
    """The central triage department that takes every report without a responsibility."""
    return DepartmentFactory(
        name="Zentrale Annahmestelle",
        slug="annahme",
        kind=Department.Kind.TRIAGE,
        email="annahme@example.org",
    )


@pytest.fixture
def department(db) -> Department:
    return DepartmentFactory(name="Straßen und Brücken", slug="strassen", email="strassen@example.org")


@pytest.fixture
def category(city, triage, department) -> Category:
    """A category routed citywide to ``department`` in the synthetic city (with a triage department)."""
    category = CategoryFactory(name="Schlagloch", slug="schlagloch", duplicate_radius_m=50)
    ResponsibilityFactory(category=category, department=department)
    return category


@pytest.fixture
def west(city) -> District:
    return District.objects.get(slug="west")


@pytest.fixture
def east(city) -> District:
    return District.objects.get(slug="ost")


REPORTER_EMAIL = "erika.mustermann@example.org"
REPORTER_NAME = "Erika Mustermann"
REPORTER_PHONE = "+49 5361 28-0"
# ReportFactory stores the hash of this secret, so it opens the reporter's links of factory-made reports.
FACTORY_TOKEN = "test-token"


def submit(category: Category, **overrides: Any) -> ReportCreateResult:
    """Create a report through the service with valid defaults (in the west district)."""
    arguments: dict[str, Any] = {
        "category_id": category.pk,
        "lon": WEST_POINT[0],
        "lat": WEST_POINT[1],
        "description": "Tiefes Schlagloch vor Hausnummer 12",
        "reporter_name": REPORTER_NAME,
        "reporter_email": REPORTER_EMAIL,
        "reporter_phone": REPORTER_PHONE,
        "privacy_consent": True,
    }
    arguments.update(overrides)
    return services.report_create(**arguments)


def reporter_token(report: Report) -> str:
    """Return the secret of the reporter's links of a report made by the service (as the mail has it)."""
    token = notifications.report_token(report)
    assert token is not None
    return token


def subscription_token(subscription: Subscription) -> str:
    token = notifications.subscription_token(subscription)
    assert token is not None
    return token


def public_report(category: Category, district: District, **fields: Any) -> Report:
    """Return a confirmed report made by the factory, routed like a real one."""
    if "department" not in fields:
        fields["department"] = Responsibility.objects.filter(category=category).first().department
    return ReportFactory(category=category, district=district, **fields)


# Two departments of the workspace's tests (queue, counts, pages).
@pytest.fixture
def dept_a(db):
    return DepartmentFactory(name="Straßen", slug="strassen-a")


@pytest.fixture
def dept_b(db):
    return DepartmentFactory(name="Grün", slug="gruen-b")
