"""allauth's account pages and e-mails address people formally ("Sie"), not with allauth's "du".

The formal texts come from geo_core/accounts/locale/de/LC_MESSAGES/django.po, which overrides allauth's
German catalogue; scripts/check-formal-german checks every account text of allauth against it.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tests.accounts.conftest import NEW_PASSWORD

INFORMAL = re.compile(r"\b(?:du|dein\w*|dir|dich)\b", re.IGNORECASE)
PROJECT_DIR = Path(__file__).resolve().parents[2]


def german(msgid: str) -> str:
    with translation.override("de"):
        return gettext(msgid)


@pytest.mark.parametrize(
    ("msgid", "expected"),
    [
        (
            "We have sent an email to you for verification. Follow the link provided to finalize the signup "
            "process. If you do not see the verification email in your main inbox, check your spam folder. "
            "Please contact us if you do not receive the verification email within a few minutes.",
            "Wir haben Ihnen eine E-Mail zur Bestätigung geschickt. Bitte folgen Sie dem Link darin,",
        ),
        ("Verify Your Email Address", "Bestätigen Sie Ihre E-Mail-Adresse"),
        ("Confirm Email Address", "E-Mail-Adresse bestätigen"),
        ("Please Confirm Your Email Address", "Bitte bestätigen Sie Ihre E-Mail-Adresse"),
        ("Password Reset Email", "E-Mail zum Zurücksetzen des Passworts"),
        ("Are you sure you want to sign out?", "Möchten Sie sich wirklich abmelden?"),
        ("You have signed out.", "Sie haben sich abgemeldet."),
        ("Sign In", "Anmelden"),
    ],
)
def test_key_account_texts_are_formal_german(msgid, expected):
    # when
    text = german(msgid)

    # then
    assert text.startswith(expected)
    assert not INFORMAL.search(text)


def test_confirm_email_page_asks_formally():
    # when
    text = german(
        'Please confirm that <a href="mailto:%(email)s">%(email)s</a> is an email address for user %(user_display)s.'
    ) % {"email": "clara@example.org", "user_display": "Clara"}

    # then
    assert text.startswith("Bitte bestätigen Sie, dass <a href=")
    assert "clara@example.org</a> eine E-Mail-Adresse von Clara ist." in text


@pytest.mark.django_db
def test_sign_up_confirmation_mail_addresses_people_formally(client):
    # when
    client.post(
        reverse("account_signup"),
        {"email": "clara@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    # then
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject.endswith("Bitte bestätigen Sie Ihre E-Mail-Adresse")
    assert "Ihre E-Mail-Adresse" in message.body
    assert "Vielen Dank, dass Sie" in message.body
    assert not INFORMAL.search(message.subject), message.subject
    assert not INFORMAL.search(message.body), message.body


@pytest.mark.django_db
def test_verification_sent_page_addresses_people_formally(client):
    # given
    client.post(
        reverse("account_signup"),
        {"email": "clara@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    # when
    response = client.get(reverse("account_email_verification_sent"))

    # then
    assert "Wir haben Ihnen eine E-Mail zur Bestätigung geschickt." in response.text
    assert not INFORMAL.search(response.text)


@pytest.mark.django_db
def test_password_reset_mail_addresses_people_formally(client, verified_user):
    # when
    client.post(reverse("account_reset_password"), {"email": verified_user.email})

    # then
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject.endswith("E-Mail zum Zurücksetzen des Passworts")
    assert "Sie erhalten diese E-Mail, weil Sie oder jemand anderes" in message.body
    assert not INFORMAL.search(message.body), message.body


def test_no_account_text_of_allauth_is_left_informal():
    # when
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, str(PROJECT_DIR / "scripts" / "check-formal-german")],
        capture_output=True,
        text=True,
        check=False,
    )

    # then
    assert result.returncode == 0, result.stdout + result.stderr
