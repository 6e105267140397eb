"""The registries through which other apps extend accounts: "Mein Bereich" sections and deletion hooks."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from geo_core.accounts.deletion import register_deletion_hook, unregister_deletion_hook
from geo_core.accounts.my_area import (
    MyAreaSection,
    register_section,
    registered_sections,
    unregister_section,
)


def section(key, order=100):
    return MyAreaSection(key=key, title=key, template_name="unused.html", get_context=dict, order=order)


@pytest.fixture
def cleanup():
    keys = []
    yield keys
    for key in keys:
        unregister_section(key)


def test_sections_come_in_order_then_by_key(cleanup):
    # given
    cleanup.extend(["b", "a", "c"])
    register_section(section("b", order=20))
    register_section(section("c", order=10))
    register_section(section("a", order=20))

    # when
    keys = [registered.key for registered in registered_sections()]

    # then
    assert keys == ["c", "a", "b"]


def test_a_section_key_can_be_registered_only_once(cleanup):
    # given
    cleanup.append("reports")
    register_section(section("reports"))

    # when / then
    with pytest.raises(ImproperlyConfigured):
        register_section(section("reports"))


def test_a_section_key_must_be_a_slug():
    with pytest.raises(ImproperlyConfigured):
        section("Meine Meldungen")


def test_a_deletion_hook_key_can_be_registered_only_once():
    # given
    register_deletion_hook(key="twice", hook=lambda *, user: None)

    # when / then
    try:
        with pytest.raises(ImproperlyConfigured):
            register_deletion_hook(key="twice", hook=lambda *, user: None)
    finally:
        unregister_deletion_hook(key="twice")
