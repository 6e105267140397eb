"""The person's page "Mein Bereich": account, display name and the sections other apps register."""

from pathlib import Path

import pytest
from django.urls import reverse

from geo_core.accounts.my_area import MyAreaSection, register_section, unregister_section
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_section(settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "DIRS": [*settings.TEMPLATES[0]["DIRS"], Path(__file__).parent / "templates"],
        }
    ]
    section = MyAreaSection(
        key="test-reports",
        title="Meine Testmeldungen",
        template_name="test_my_area/section.html",
        get_context=lambda user: {"items": [f"Meldung von {user.pk}"]},
        order=1,
    )
    register_section(section)
    yield section
    unregister_section(section.key)


def test_anonymous_visitors_are_sent_to_login(client):
    # when
    response = client.get(reverse("accounts:my_area"))

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "next=" in response.url


def test_shows_the_account(client, verified_user):
    # given
    client.force_login(verified_user)

    # when
    response = client.get(reverse("accounts:my_area"))

    # then
    assert response.status_code == 200
    assert verified_user.email in response.text
    assert f'href="{reverse("account_email")}"' in response.text
    assert f'href="{reverse("account_change_password")}"' in response.text
    assert f'action="{reverse("accounts:profile_edit")}"' in response.text
    assert f'href="{reverse("accounts:delete")}"' in response.text


def test_without_sections_explains_what_will_appear(client, verified_user):
    # given
    client.force_login(verified_user)

    # when
    response = client.get(reverse("accounts:my_area"))

    # then
    assert "Hier erscheinen künftig Ihre Meldungen" in response.text


def test_renders_registered_sections_with_their_context(client, verified_user, test_section):
    # given
    client.force_login(verified_user)

    # when
    response = client.get(reverse("accounts:my_area"))

    # then
    assert "Meine Testmeldungen" in response.text
    assert f"<li>Meldung von {verified_user.pk}</li>" in response.text
    assert "Hier erscheinen künftig Ihre Meldungen" not in response.text


def test_staff_see_the_way_to_the_admin(client):
    # given
    client.force_login(UserFactory(is_staff=True))

    # when
    response = client.get(reverse("accounts:my_area"))

    # then
    assert f'href="{reverse("admin:index")}"' in response.text


def test_residents_see_no_way_to_the_admin(client, verified_user):
    # given
    client.force_login(verified_user)

    # when
    response = client.get(reverse("accounts:my_area"))

    # then
    assert reverse("admin:index") not in response.text
