"""Sign-up with e-mail confirmation (django-allauth, mandatory verification)."""

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail
from django.urls import reverse

from geo_core.accounts.models import User
from tests.accounts.conftest import NEW_PASSWORD, is_logged_in, link_in

pytestmark = pytest.mark.django_db

CONFIRM_PATH = "/konto/confirm-email/"


def sign_up(client, email="clara@example.org"):
    return client.post(
        reverse("account_signup"), {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )


def test_sign_up_creates_an_unconfirmed_account_and_says_so(client):
    # when
    response = sign_up(client)

    # then
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert EmailAddress.objects.get(email="clara@example.org").verified is False
    assert not is_logged_in(client)


def test_sign_up_sends_a_german_confirmation_mail_with_a_link(client):
    # when
    sign_up(client)

    # then
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["clara@example.org"]
    assert message.subject.startswith("[Bürgerplattform] ")
    assert "E-Mail-Adresse" in message.subject
    assert "Um zu bestätigen, dass dies korrekt ist" in message.body
    assert link_in(message.body, CONFIRM_PATH)


def test_login_before_confirming_is_refused_with_the_verification_flow(client, unverified_user):
    # when
    response = client.post(
        reverse("account_login"), {"login": unverified_user.email, "password": "correct horse battery staple"}
    )

    # then
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert not is_logged_in(client)


def test_confirmation_link_shows_a_page_that_asks_to_confirm(client):
    # given
    sign_up(client)
    link = link_in(mail.outbox[0].body, CONFIRM_PATH)

    # when
    response = client.get(link)

    # then
    assert response.status_code == 200
    assert "E-Mail-Adresse bestätigen" in response.text
    # The page signs its own key anew, with the current second in it: compare what the keys stand for.
    action = re.search(rf'action="({re.escape(CONFIRM_PATH)}[^"/]+)/"', response.text)
    assert action, "the page has no form that confirms the address"
    assert EmailConfirmationHMAC.from_key(action.group(1).removeprefix(CONFIRM_PATH)).email_address.email == (
        "clara@example.org"
    )
    assert EmailAddress.objects.get(email="clara@example.org").verified is False


def test_confirming_activates_the_address_and_logs_in(client):
    # given
    sign_up(client)
    link = link_in(mail.outbox[0].body, CONFIRM_PATH)

    # when
    response = client.post(link)

    # then
    user = User.objects.get(email="clara@example.org")
    assert EmailAddress.objects.get(user=user).verified is True
    assert is_logged_in(client, user)
    assert response.url == reverse("accounts:my_area")


def test_signing_up_with_a_taken_address_creates_no_second_account(client, verified_user):
    # when
    sign_up(client, email=verified_user.email)

    # then
    assert User.objects.filter(email=verified_user.email).count() == 1
