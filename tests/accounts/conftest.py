"""Fixtures for the account tests: people with confirmed and unconfirmed e-mail addresses."""

import re

import pytest
from allauth.account.models import EmailAddress

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # UserFactory's password
NEW_PASSWORD = "Wolfsburger Stadtpark 1938!"


def link_in(body: str, path_prefix: str) -> str:
    """Return the path of the first link in a mail body that starts with ``path_prefix``."""
    match = re.search(rf"https?://testserver({re.escape(path_prefix)}\S+)", body)
    assert match, f"no link to {path_prefix} in the mail:\n{body}"
    return match.group(1)


def is_logged_in(client, user=None) -> bool:
    user_id = client.session.get("_auth_user_id")
    return user_id is not None if user is None else user_id == str(user.pk)


@pytest.fixture
def verified_user(db):
    user = UserFactory(email="anna@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def unverified_user(db):
    user = UserFactory(email="ben@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user


@pytest.fixture(autouse=True)
def _empty_section_registry(monkeypatch):
    """Account tests see only the sections they register themselves, not those of the installed apps."""
    from geo_core.accounts import my_area

    monkeypatch.setattr(my_area, "_sections", {})
