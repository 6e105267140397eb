"""Password reset by e-mail, and changing the password when signed in."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.accounts.conftest import NEW_PASSWORD, PASSWORD, is_logged_in, link_in

pytestmark = pytest.mark.django_db

RESET_PATH = "/konto/password/reset/key/"


def request_reset(client, email):
    return client.post(reverse("account_reset_password"), {"email": email})


def test_password_reset_sends_a_german_mail_with_a_link(client, verified_user):
    # when
    response = request_reset(client, verified_user.email)

    # then
    assert response.url == reverse("account_reset_password_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [verified_user.email]
    assert "Passwort" in mail.outbox[0].subject
    assert link_in(mail.outbox[0].body, RESET_PATH)


def test_reset_link_lets_you_set_a_new_password_that_works(client, verified_user):
    # given
    request_reset(client, verified_user.email)
    form_page = client.get(link_in(mail.outbox[0].body, RESET_PATH), follow=True)
    form_url = form_page.redirect_chain[-1][0]
    assert 'name="password1"' in form_page.text

    # when
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    # then
    assert response.url == reverse("account_reset_password_from_key_done")
    verified_user.refresh_from_db()
    assert verified_user.check_password(NEW_PASSWORD)
    client.post(reverse("account_login"), {"login": verified_user.email, "password": NEW_PASSWORD})
    assert is_logged_in(client, verified_user)


def test_password_change_needs_the_current_password(client, verified_user):
    # given
    client.force_login(verified_user)

    # when
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "falsch", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    # then
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    verified_user.refresh_from_db()
    assert verified_user.check_password(PASSWORD)
