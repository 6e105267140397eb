"""Parsing of coordinates and bounding boxes from user input: every error code and the field it names."""

import math

import pytest
from django.contrib.gis.geos import Point

from geo_core.parsing import (
    MAX_BBOX_DEGREES,
    Area,
    GeoInputError,
    GeoInputErrorCode,
    parse_bbox,
    parse_lonlat,
)

# A small square around the synthetic test city (lon 10.78–10.82, lat 52.41–52.43), decided in Python so
# these tests need no database.
CITY_EXTENT = (10.78, 52.41, 10.82, 52.43)


def _in_extent(point: Point) -> bool:
    xmin, ymin, xmax, ymax = CITY_EXTENT
    return xmin <= point.x <= xmax and ymin <= point.y <= ymax


CITY = Area(name="Teststadt", contains=_in_extent, extent=CITY_EXTENT)


def _error(callable_, *args, **kwargs) -> GeoInputError:
    with pytest.raises(GeoInputError) as caught:
        callable_(*args, **kwargs)
    return caught.value


# --- parse_lonlat: accepted input ------------------------------------------------------------------------


def test_lonlat_from_numbers_is_a_wgs84_point():
    point = parse_lonlat(10.79, 52.42)
    assert (point.x, point.y, point.srid) == (10.79, 52.42, 4326)


def test_lonlat_from_text_with_spaces():
    point = parse_lonlat(" 10.79 ", "52.42\n")
    assert (point.x, point.y) == (10.79, 52.42)


def test_lonlat_accepts_a_decimal_comma():
    point = parse_lonlat("10,79", "52,42")
    assert (point.x, point.y) == (10.79, 52.42)


def test_lonlat_inside_the_area_is_accepted():
    point = parse_lonlat("10.79", "52.42", area=CITY)
    assert (point.x, point.y) == (10.79, 52.42)


def test_lonlat_on_the_edge_of_the_range_is_accepted():
    point = parse_lonlat(-180, 90)
    assert (point.x, point.y) == (-180, 90)


# --- parse_lonlat: errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lon", "lat", "field"), [(None, "52.42", "lon"), ("10.79", "", "lat"), ("  ", "1", "lon")]
)
def test_lonlat_missing_value(lon, lat, field):
    error = _error(parse_lonlat, lon, lat)
    assert (error.code, error.field) == (GeoInputErrorCode.MISSING, field)


@pytest.mark.parametrize(
    ("lon", "lat", "field"),
    [("abc", "52.42", "lon"), ("10.79", "52°25'", "lat"), ("1,234.5", "52", "lon"), (True, "52", "lon")],
)
def test_lonlat_not_a_number(lon, lat, field):
    error = _error(parse_lonlat, lon, lat)
    assert (error.code, error.field) == (GeoInputErrorCode.NOT_A_NUMBER, field)


@pytest.mark.parametrize(
    ("lon", "lat", "field"),
    [
        ("nan", "52", "lon"),
        ("10", "inf", "lat"),
        ("-Infinity", "52", "lon"),
        ("10", "1e400", "lat"),
        (math.nan, 1, "lon"),
    ],
)
def test_lonlat_not_finite(lon, lat, field):
    error = _error(parse_lonlat, lon, lat)
    assert (error.code, error.field) == (GeoInputErrorCode.NOT_FINITE, field)


@pytest.mark.parametrize(
    ("lon", "lat", "field"), [("200", "52", "lon"), ("-180.5", "0", "lon"), ("100", "95", "lat")]
)
def test_lonlat_out_of_range(lon, lat, field):
    error = _error(parse_lonlat, lon, lat)
    assert (error.code, error.field) == (GeoInputErrorCode.OUT_OF_RANGE, field)


def test_lonlat_with_latitude_beyond_90_that_fits_as_longitude_is_swapped():
    # given: Shanghai (lon 121.5, lat 31.2) typed the wrong way round
    # when
    error = _error(parse_lonlat, "31.2", "121.5")
    # then
    assert (error.code, error.field) == (GeoInputErrorCode.SWAPPED, "lat")


def test_lonlat_only_inside_the_area_when_swapped_is_swapped():
    # given: a city point given as lat, lon; both orders are valid coordinates
    # when
    error = _error(parse_lonlat, "52.42", "10.79", area=CITY)
    # then
    assert (error.code, error.field) == (GeoInputErrorCode.SWAPPED, "lon")


def test_lonlat_outside_the_area():
    error = _error(parse_lonlat, "13.40", "52.52", area=CITY)
    assert (error.code, error.field) == (GeoInputErrorCode.OUTSIDE_AREA, "lon")


def test_lonlat_outside_the_area_names_the_area_in_german():
    error = _error(parse_lonlat, "13.40", "52.52", area=CITY)
    assert str(error.message) == "Der Ort liegt außerhalb von Teststadt."


def test_lonlat_outside_the_area_both_ways_is_not_called_swapped():
    # given: a point whose swapped twin falls inside the area's extent but not inside the area itself
    area = Area(name="Nirgendwo", contains=lambda point: False, extent=(0, 0, 90, 90))
    # when
    error = _error(parse_lonlat, "52.42", "10.79", area=area)
    # then
    assert error.code == GeoInputErrorCode.OUTSIDE_AREA


def test_error_message_is_the_exception_text():
    error = _error(parse_lonlat, "abc", "52")
    assert str(error) == str(error.message) == "„abc“ ist keine Zahl."


# --- parse_bbox ------------------------------------------------------------------------------------------


def test_bbox_is_a_wgs84_polygon_in_west_south_east_north_order():
    polygon = parse_bbox("10.70,52.38,10.86,52.47")
    assert polygon.srid == 4326
    assert polygon.extent == pytest.approx((10.70, 52.38, 10.86, 52.47))


def test_bbox_allows_spaces_around_numbers():
    polygon = parse_bbox(" 10.70, 52.38 ,10.86 , 52.47 ")
    assert polygon.extent == pytest.approx((10.70, 52.38, 10.86, 52.47))


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_bbox_missing(raw):
    error = _error(parse_bbox, raw)
    assert (error.code, error.field) == (GeoInputErrorCode.MISSING, "bbox")


@pytest.mark.parametrize(
    "raw", ["10.7,52.3,10.8", "10.7,52.3,10.8,52.4,1", "10.7;52.3;10.8;52.4", "10.7,,10.8,52.4"]
)
def test_bbox_malformed(raw):
    error = _error(parse_bbox, raw)
    assert (error.code, error.field) == (GeoInputErrorCode.BBOX_MALFORMED, "bbox")


def test_bbox_part_not_a_number():
    error = _error(parse_bbox, "10.7,abc,10.8,52.4")
    assert (error.code, error.field) == (GeoInputErrorCode.NOT_A_NUMBER, "bbox")


def test_bbox_part_not_finite():
    error = _error(parse_bbox, "10.7,52.3,inf,52.4")
    assert (error.code, error.field) == (GeoInputErrorCode.NOT_FINITE, "bbox")


@pytest.mark.parametrize("raw", ["-181,52.3,10.8,52.4", "10.7,52.3,10.8,91"])
def test_bbox_out_of_range(raw):
    error = _error(parse_bbox, raw)
    assert (error.code, error.field) == (GeoInputErrorCode.OUT_OF_RANGE, "bbox")


@pytest.mark.parametrize("raw", ["10.8,52.3,10.7,52.4", "10.7,52.4,10.8,52.3", "10.7,52.3,10.7,52.4"])
def test_bbox_inverted_or_empty(raw):
    error = _error(parse_bbox, raw)
    assert (error.code, error.field) == (GeoInputErrorCode.BBOX_INVERTED, "bbox")


@pytest.mark.parametrize("raw", ["8.0,52.0,10.5,52.5", "10.0,50.0,10.5,52.5"])
def test_bbox_too_large(raw):
    error = _error(parse_bbox, raw)
    assert (error.code, error.field) == (GeoInputErrorCode.BBOX_TOO_LARGE, "bbox")


def test_bbox_of_exactly_the_maximum_size_is_accepted():
    polygon = parse_bbox(f"10,52,{10 + MAX_BBOX_DEGREES},{52 + MAX_BBOX_DEGREES}")
    assert polygon.extent == pytest.approx((10, 52, 10 + MAX_BBOX_DEGREES, 52 + MAX_BBOX_DEGREES))


def test_bbox_maximum_size_can_be_lowered():
    error = _error(parse_bbox, "10.0,52.0,10.5,52.1", max_degrees=0.25)
    assert error.code == GeoInputErrorCode.BBOX_TOO_LARGE
