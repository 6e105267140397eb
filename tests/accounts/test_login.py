"""Sign-in with e-mail address and password."""

import pytest
from django.urls import reverse

from tests.accounts.conftest import PASSWORD, is_logged_in

pytestmark = pytest.mark.django_db


def test_login_with_email_and_password_works(client, verified_user):
    # when
    response = client.post(reverse("account_login"), {"login": "anna@example.org", "password": PASSWORD})

    # then
    assert response.status_code == 302
    assert response.url == reverse("accounts:my_area")
    assert is_logged_in(client, verified_user)


def test_login_ignores_the_case_of_the_email_address(client, verified_user):
    # when
    client.post(reverse("account_login"), {"login": "Anna@Example.org", "password": PASSWORD})

    # then
    assert is_logged_in(client, verified_user)


def test_wrong_password_shows_a_german_error(client, verified_user):
    # when
    response = client.post(reverse("account_login"), {"login": verified_user.email, "password": "falsch"})

    # then
    assert response.status_code == 200
    assert "Die E-Mail-Adresse und/oder das Passwort sind leider falsch." in response.text
    assert 'role="alert"' in response.text
    assert not is_logged_in(client)


def test_logout_ends_the_session(client, verified_user):
    # given
    client.force_login(verified_user)

    # when
    client.post(reverse("account_logout"))

    # then
    assert not is_logged_in(client)
