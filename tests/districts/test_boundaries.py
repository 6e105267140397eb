"""Boundary change handlers: what the import and the admin tell other apps when outlines change."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from districts.boundaries import (
    boundary_change_handlers_run,
    register_boundary_change_handler,
    unregister_boundary_change_handler,
)
from districts.models import District
from districts.services import city_import
from tests.districts.geojson_files import feature, polygon, write_collection
from tests.districts.test_import import district_features, make_spec, quarter_features
from tests.factories import CITY_BBOX, UserFactory, multipolygon

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls():
    """A handler registered for the test; the list of the ``district_ids`` it was called with."""
    received: list[list[int]] = []

    def handler(*, district_ids):
        received.append(district_ids)
        return "erledigt"

    register_boundary_change_handler(key="test", handler=handler)
    yield received
    unregister_boundary_change_handler(key="test")


@pytest.fixture
def city_files(tmp_path: Path) -> Path:
    """The synthetic city of the import tests: two districts, four quarters, no streets."""
    write_collection(tmp_path / "boundary.geojson", [feature(polygon(CITY_BBOX), name="Teststadt")])
    write_collection(tmp_path / "districts.geojson", district_features())
    write_collection(tmp_path / "quarters.geojson", quarter_features())
    return tmp_path


def spec(directory: Path):
    return make_spec(directory, streets=None)


def test_handlers_get_the_ids_sorted_and_once_and_their_results_are_returned(calls):
    results = boundary_change_handlers_run(district_ids=[3, 1, 3])

    assert calls == [[1, 3]]
    assert results["test"] == "erledigt"


def test_no_handler_is_called_when_no_district_changed(calls):
    assert boundary_change_handlers_run(district_ids=[]) == {}
    assert calls == []


def test_a_key_cannot_be_registered_twice(calls):
    with pytest.raises(ImproperlyConfigured):
        register_boundary_change_handler(key="test", handler=lambda **kwargs: None)


def test_the_defects_app_registers_the_re_routing():
    from defects.services import reports_reroute
    from districts import boundaries

    assert boundaries._handlers["defects"] is reports_reroute


def test_the_first_import_reports_every_district_as_changed(city_files, calls):
    city_import(spec=spec(city_files))

    assert calls == [sorted(District.objects.values_list("pk", flat=True))]


def test_an_import_without_changed_outlines_calls_no_handler(city_files, calls):
    city_import(spec=spec(city_files))
    calls.clear()

    result = city_import(spec=spec(city_files))

    assert calls == []
    assert result.boundary_changes == {}


def test_an_import_with_a_changed_outline_names_that_district(city_files, calls):
    # given
    city_import(spec=spec(city_files))
    calls.clear()
    write_collection(
        city_files / "districts.geojson", district_features(east_bbox=(10.80, 52.41, 10.83, 52.43))
    )

    # when
    result = city_import(spec=spec(city_files))

    # then only the east is named, and the handler's answer is in the result
    east = District.objects.get(name="Ost")
    assert calls == [[east.pk]]
    assert result.changed_district_ids == [east.pk]
    assert result.boundary_changes["test"] == "erledigt"


# --- The admin -----------------------------------------------------------------------------------------------


def district_form(district: District, *, geom) -> dict:
    """Return the admin's change form of ``district`` as posted, with its quarters inline and ``geom``."""
    quarters = list(district.quarters.order_by("pk"))
    data = {
        "city": district.city_id,
        "name": district.name,
        "slug": district.slug,
        "official_id": district.official_id,
        "kind": district.kind,
        "geom": geom.ewkt,
        "area_km2": district.area_km2,
        "quarters-TOTAL_FORMS": len(quarters),
        "quarters-INITIAL_FORMS": len(quarters),
        "quarters-MIN_NUM_FORMS": 0,
        "quarters-MAX_NUM_FORMS": 1000,
    }
    for index, quarter in enumerate(quarters):
        data |= {
            f"quarters-{index}-id": quarter.pk,
            f"quarters-{index}-district": district.pk,
            f"quarters-{index}-name": quarter.name,
            f"quarters-{index}-slug": quarter.slug,
            f"quarters-{index}-kind": quarter.kind,
        }
    return data


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_saving_a_new_outline_in_the_admin_runs_the_handlers(superuser_client, city, calls):
    west = District.objects.get(slug="west")
    url = reverse("admin:districts_district_change", args=[west.pk])

    response = superuser_client.post(
        url, district_form(west, geom=multipolygon((10.78, 52.41, 10.805, 52.43)))
    )

    assert response.status_code == 302
    assert calls == [[west.pk]]
    assert District.objects.get(pk=west.pk).geom.extent == pytest.approx((10.78, 52.41, 10.805, 52.43))


def test_saving_a_district_with_the_same_outline_in_the_admin_runs_no_handler(superuser_client, city, calls):
    west = District.objects.get(slug="west")
    url = reverse("admin:districts_district_change", args=[west.pk])

    response = superuser_client.post(url, {**district_form(west, geom=west.geom), "kind": "Ortschaft"})

    assert response.status_code == 302
    assert calls == []
