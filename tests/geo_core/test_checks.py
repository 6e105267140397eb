import pytest

from geo_core.checks import check_postgis, check_tile_url


def test_postgis_backend_passes():
    assert check_postgis(None) == []


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_other_database_backend_is_an_error(settings):
    # given
    settings.DATABASES = {
        "default": {**settings.DATABASES["default"], "ENGINE": "django.db.backends.sqlite3"}
    }
    # when
    problems = check_postgis(None)
    # then
    assert [p.id for p in problems] == ["geo_core.E001"]


def test_tile_url_without_placeholders_is_an_error(settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/tile.png"
    assert [p.id for p in check_tile_url(None)] == ["geo_core.E002"]


def test_plain_http_tile_url_warns_in_production(settings):
    settings.DEBUG = False
    settings.MAP_TILE_URL = "http://tiles.example.org/{z}/{x}/{y}.png"
    assert [p.id for p in check_tile_url(None)] == ["geo_core.W001"]


def test_missing_tile_attribution_is_an_error(settings):
    settings.MAP_TILE_ATTRIBUTION = " "
    assert [p.id for p in check_tile_url(None)] == ["geo_core.E003"]


def test_default_tile_settings_pass():
    assert check_tile_url(None) == []
