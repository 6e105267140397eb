"""Factories of the Mängelmelder. Reports lie in the synthetic city of ``tests.conftest.city``."""

import hashlib

import factory
from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.text import slugify

from defects.models import (
    Category,
    CategoryGroup,
    CategoryQuestion,
    Report,
    ReportEvent,
    ReportStatus,
    Responsibility,
    Subscription,
)
from geo_core.srid import STORAGE_SRID
from tests.factories import DepartmentFactory, DistrictFactory

# Inside the west district of the synthetic city (see tests/factories.py).
WEST_POINT = (10.79, 52.42)
EAST_POINT = (10.81, 52.42)


class CategoryGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CategoryGroup
        django_get_or_create = ("slug",)

    name = "Straße und Verkehr"
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    group = factory.SubFactory(CategoryGroupFactory)
    name = factory.Sequence(lambda n: f"Kategorie {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    duplicate_radius_m = 50
    target_days = 10


class CategoryQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CategoryQuestion

    category = factory.SubFactory(CategoryFactory)
    key = factory.Sequence(lambda n: f"frage_{n}")
    label = factory.Sequence(lambda n: f"Frage {n}?")
    kind = CategoryQuestion.Kind.YES_NO


class ResponsibilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Responsibility

    category = factory.SubFactory(CategoryFactory)
    district = None
    department = factory.SubFactory(DepartmentFactory)


class ReportFactory(factory.django.DjangoModelFactory):
    """A confirmed, open report. Pass ``district`` (e.g. from the ``city`` fixture) to place it in a city."""

    class Meta:
        model = Report

    category = factory.SubFactory(CategoryFactory)
    location = factory.LazyFunction(lambda: Point(*WEST_POINT, srid=STORAGE_SRID))
    district = factory.SubFactory(DistrictFactory)
    description = "Schlagloch vor der Einfahrt"
    status = ReportStatus.OPEN
    department = factory.SubFactory(DepartmentFactory)
    routing_reason = "Testzuordnung"
    reporter_name = "Erika Mustermann"
    reporter_email = factory.Sequence(lambda n: f"erika{n}@example.org")
    reporter_phone = "05361 000000"
    privacy_consent_at = factory.LazyFunction(timezone.now)
    reporter_token_hash = hashlib.sha256(b"test-token").hexdigest()
    confirmed_at = factory.LazyFunction(timezone.now)


class ReportEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportEvent

    report = factory.SubFactory(ReportFactory)
    kind = ReportEvent.Kind.NOTE


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    report = factory.SubFactory(ReportFactory)
    email = factory.Sequence(lambda n: f"unterstuetzer{n}@example.org")
    role = Subscription.Role.SUPPORTER
    token_hash = hashlib.sha256(b"test-token").hexdigest()
    confirmed_at = factory.LazyFunction(timezone.now)
