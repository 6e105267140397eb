"""Changing the display name, through the service and through the form on "Mein Bereich"."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from geo_core.accounts.error_codes import AccountErrorCode
from geo_core.accounts.services import user_update_profile

pytestmark = pytest.mark.django_db


def test_service_strips_and_saves_the_display_name(verified_user):
    # when
    user_update_profile(user=verified_user, display_name="  Anna aus Fallersleben  ")

    # then
    verified_user.refresh_from_db()
    assert verified_user.display_name == "Anna aus Fallersleben"


def test_service_refuses_a_display_name_over_100_characters(verified_user):
    # when
    with pytest.raises(ValidationError) as raised:
        user_update_profile(user=verified_user, display_name="x" * 101)

    # then
    assert raised.value.error_dict["display_name"][0].code == "max_length"
    assert verified_user.display_name == ""
    verified_user.refresh_from_db()
    assert verified_user.display_name == ""


def test_service_refuses_an_email_address_as_display_name(verified_user):
    # when
    with pytest.raises(ValidationError) as raised:
        user_update_profile(user=verified_user, display_name="anna@example.org")

    # then
    assert raised.value.error_dict["display_name"][0].code == AccountErrorCode.DISPLAY_NAME_IS_EMAIL


def test_form_saves_the_display_name(client, verified_user):
    # given
    client.force_login(verified_user)

    # when
    response = client.post(reverse("accounts:profile_edit"), {"display_name": "Anna W."})

    # then
    assert response.status_code == 302
    assert response.url == reverse("accounts:my_area")
    verified_user.refresh_from_db()
    assert verified_user.display_name == "Anna W."


def test_form_can_clear_the_display_name(client, verified_user):
    # given
    user_update_profile(user=verified_user, display_name="Anna W.")
    client.force_login(verified_user)

    # when
    client.post(reverse("accounts:profile_edit"), {"display_name": ""})

    # then
    verified_user.refresh_from_db()
    assert verified_user.display_name == ""


def test_form_shows_an_error_for_a_too_long_display_name(client, verified_user):
    # given
    client.force_login(verified_user)

    # when
    response = client.post(reverse("accounts:profile_edit"), {"display_name": "x" * 101})

    # then
    assert response.status_code == 200
    assert response.context["profile_form"].has_error("display_name", code="max_length")
    assert 'aria-invalid="true"' in response.text
    verified_user.refresh_from_db()
    assert verified_user.display_name == ""


def test_form_shows_the_services_error_at_the_field(client, verified_user):
    # given
    client.force_login(verified_user)

    # when
    response = client.post(reverse("accounts:profile_edit"), {"display_name": "anna@example.org"})

    # then
    assert response.context["profile_form"].has_error(
        "display_name", code=AccountErrorCode.DISPLAY_NAME_IS_EMAIL
    )
    verified_user.refresh_from_db()
    assert verified_user.display_name == ""


def test_anonymous_visitors_cannot_change_a_profile(client):
    # when
    response = client.post(reverse("accounts:profile_edit"), {"display_name": "Jemand"})

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
