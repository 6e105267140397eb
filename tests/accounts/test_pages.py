"""allauth's pages are in the platform's layout, in German, with labelled fields."""

import pytest
from django.template.loader import get_template
from django.urls import reverse

pytestmark = pytest.mark.django_db

ACCOUNT_TEMPLATES = "geo_core/accounts/templates/"


@pytest.mark.parametrize(
    "template_name",
    ["allauth/layouts/base.html", "allauth/elements/fields.html", "account/signup.html"],
)
def test_the_platform_overrides_allauths_templates(template_name):
    """Fails when ``allauth`` comes before ``geo_core.accounts`` in INSTALLED_APPS."""
    assert ACCOUNT_TEMPLATES in get_template(template_name).origin.name


@pytest.mark.parametrize(
    "url_name",
    ["account_login", "account_signup", "account_reset_password", "account_email_verification_sent"],
)
def test_entrance_pages_use_the_platform_layout_in_german(client, url_name):
    # when
    response = client.get(reverse(url_name))

    # then
    assert response.status_code == 200
    assert '<html lang="de">' in response.text
    assert "Zum Inhalt springen" in response.text
    assert "accounts/css/accounts.css" in response.text


@pytest.mark.parametrize("url_name", ["account_email", "account_change_password", "account_logout"])
def test_manage_pages_use_the_platform_layout_and_lead_back_to_my_area(client, verified_user, url_name):
    # given
    client.force_login(verified_user)

    # when
    response = client.get(reverse(url_name))

    # then
    assert response.status_code == 200
    assert "Zum Inhalt springen" in response.text
    assert f'href="{reverse("accounts:my_area")}"' in response.text


def test_login_fields_have_labels(client):
    # when
    response = client.get(reverse("account_login"))

    # then
    assert '<label for="id_login">' in response.text
    assert '<label for="id_password">' in response.text
    assert 'class="button"' in response.text


def test_sign_up_page_has_a_privacy_notice_and_link(client):
    # when
    response = client.get(reverse("account_signup"))

    # then
    assert "wird nie öffentlich gezeigt" in response.text
    assert f'href="{reverse("accounts:privacy")}"' in response.text


def test_privacy_page_is_public(client):
    # when
    response = client.get(reverse("accounts:privacy"))

    # then
    assert response.status_code == 200
    assert "Datenschutz bei Ihrem Konto" in response.text


def test_english_pages_live_under_en(client):
    # when
    response = client.get("/en/konto/login/")

    # then
    assert '<html lang="en">' in response.text
    assert "Sign In" in response.text
