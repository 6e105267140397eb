"""Fixtures for the maps tests: a registry that tests may change without leaking into other tests."""

import pytest

from maps import registry


@pytest.fixture
def isolated_registry(monkeypatch):
    """Let a test register layers; the registry is restored afterwards (the apps' layers stay in it)."""
    monkeypatch.setattr(registry, "_layers", dict(registry._layers))
    return registry


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Pages render without a collected manifest (settings use the manifest storage unless DEBUG)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
