"""Deleting one's own account after confirming with the password."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from geo_core.accounts.deletion import register_deletion_hook, unregister_deletion_hook
from geo_core.accounts.error_codes import AccountErrorCode
from geo_core.accounts.models import User
from geo_core.accounts.services import user_delete
from tests.accounts.conftest import PASSWORD, is_logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def deletion_calls():
    calls = []
    register_deletion_hook(key="test", hook=lambda *, user: calls.append(user.pk))
    yield calls
    unregister_deletion_hook(key="test")


def test_page_asks_for_the_password(client, verified_user):
    # given
    client.force_login(verified_user)

    # when
    response = client.get(reverse("accounts:delete"))

    # then
    assert response.status_code == 200
    assert '<label for="id_password">' in response.text


def test_wrong_password_keeps_the_account(client, verified_user):
    # given
    client.force_login(verified_user)

    # when
    response = client.post(reverse("accounts:delete"), {"password": "falsch"})

    # then
    assert response.status_code == 200
    assert response.context["form"].has_error("password", code=AccountErrorCode.PASSWORD_INCORRECT)
    assert User.objects.filter(pk=verified_user.pk).exists()
    assert is_logged_in(client, verified_user)


def test_correct_password_deletes_the_account_and_logs_out(client, verified_user):
    # given
    client.force_login(verified_user)

    # when
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})

    # then
    assert response.status_code == 302
    assert response.url == reverse("geo_core:home")
    assert not User.objects.filter(pk=verified_user.pk).exists()
    assert not EmailAddress.objects.filter(email=verified_user.email).exists()
    assert not is_logged_in(client)


def test_anonymous_visitors_are_sent_to_login(client):
    # when
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_deletion_runs_the_registered_hooks_first(verified_user, deletion_calls):
    # given
    user_id = verified_user.pk

    # when
    user_delete(user=verified_user)

    # then
    assert deletion_calls == [user_id]


def test_a_failing_hook_keeps_the_account(verified_user):
    # given
    def failing_hook(*, user):
        raise RuntimeError("anonymisation failed")

    register_deletion_hook(key="failing", hook=failing_hook)

    # when
    try:
        with pytest.raises(RuntimeError):
            user_delete(user=verified_user)
    finally:
        unregister_deletion_hook(key="failing")

    # then
    assert User.objects.filter(pk=verified_user.pk).exists()


def test_too_many_attempts_are_refused_even_with_the_right_password(client, verified_user):
    # given
    client.force_login(verified_user)
    for _attempt in range(10):
        client.post(reverse("accounts:delete"), {"password": "falsch"})

    # when
    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})

    # then
    assert response.status_code == 429
    assert User.objects.filter(pk=verified_user.pk).exists()
