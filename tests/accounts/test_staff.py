"""Staff accounts: the admin, and createsuperuser with an e-mail address instead of a user name."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from geo_core.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_createsuperuser_works_with_email_and_password_only(monkeypatch):
    # given
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "admin@example.org")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "ein langes Passwort für die Verwaltung")

    # when
    call_command("createsuperuser", interactive=False, verbosity=0)

    # then
    admin = User.objects.get(email="admin@example.org")
    assert admin.is_staff and admin.is_superuser
    assert admin.check_password("ein langes Passwort für die Verwaltung")


def test_staff_reach_the_admin(client):
    # given
    client.force_login(UserFactory(is_staff=True))

    # when
    response = client.get(reverse("admin:index"))

    # then
    assert response.status_code == 200


def test_residents_do_not_reach_the_admin(client):
    # given
    client.force_login(UserFactory())

    # when
    response = client.get(reverse("admin:index"))

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
