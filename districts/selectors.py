"""Reads of the city's geography: the city, point lookup, gazetteer, places."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.contrib.gis.db.models.aggregates import Extent
from django.contrib.gis.db.models.functions import Distance, GeometryDistance, PointOnSurface
from django.contrib.gis.geos import Point, Polygon
from django.core.cache import cache
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from districts.models import City, District, GeoDataSource, PointOfInterest, Quarter, Street
from geo_core.parsing import Area, parse_lonlat
from geo_core.srid import STORAGE_SRID
from geo_core.text import normalize_search_text

_CITY_CACHE_KEY = "districts:current_city"
_CITY_EXTENT_CACHE_KEY = "districts:current_city_extent"
_CITY_CACHE_SECONDS = 300

# Street search: queries shorter than this (after normalisation) match nearly every street.
STREET_SEARCH_MIN_LENGTH = 2
# Substring matches need a whole trigram, otherwise the trigram index cannot narrow the search.
_STREET_SUBSTRING_MIN_LENGTH = 3
STREET_SEARCH_MAX_LIMIT = 50

# Nearest street: how many KNN candidates are compared by their exact distance in metres.
_NEAREST_STREET_CANDIDATES = 8
# Metres per degree of latitude are at least this anywhere on the WGS 84 ellipsoid (at the equator), and
# metres per degree of longitude are at most _METRES_PER_DEGREE_LON_EQUATOR * cos(latitude).
_MIN_METRES_PER_DEGREE_LAT = 110_574.0
_METRES_PER_DEGREE_LON_EQUATOR = 111_320.0
# Safety margin for the spherical approximations above (well under 1 % off at city scale).
_METRIC_MARGIN = 1.01


def current_city() -> City | None:
    """Return the city this installation serves, without its boundary geometry (cached briefly)."""
    city = cache.get(_CITY_CACHE_KEY)
    if city is None:
        city = City.objects.defer("geom").order_by("pk").first()
        if city is not None:
            cache.set(_CITY_CACHE_KEY, city, _CITY_CACHE_SECONDS)
    return city


def forget_current_city() -> None:
    cache.delete_many([_CITY_CACHE_KEY, _CITY_EXTENT_CACHE_KEY])


def district_layer_queryset() -> QuerySet[District]:
    """Districts with their public fields only, for the map layer."""
    return District.objects.only("id", "name", "slug", "kind", "area_km2", "geom").order_by("name")


def quarter_layer_queryset() -> QuerySet[Quarter]:
    """Quarters with their public fields only, for the map layer."""
    return (
        Quarter.objects.select_related("district")
        .only("id", "name", "slug", "kind", "area_km2", "geom", "district__name", "district__slug")
        .order_by("name")
    )


def district_list(*, bbox: Polygon | None = None) -> QuerySet[District]:
    """Return the current city's districts with their public fields, optionally those overlapping ``bbox``."""
    city = current_city()
    if city is None:
        return District.objects.none()
    districts = district_layer_queryset().filter(city_id=city.pk)
    if bbox is not None:
        # Bounding-box overlap (&&) is answered by the GiST index alone; map clients need no exact clipping.
        districts = districts.filter(geom__bboverlaps=bbox)
    return districts.order_by("name", "pk")


def district_get(*, slug: str) -> District | None:
    """Return one district of the current city with its quarters' names prefetched, or None."""
    city = current_city()
    if city is None:
        return None
    quarters = Quarter.objects.only("id", "name", "slug", "district_id").order_by("name", "pk")
    return (
        district_layer_queryset()
        .filter(city_id=city.pk, slug=slug)
        .prefetch_related(Prefetch("quarters", queryset=quarters))
        .first()
    )


def quarter_list(*, district_slug: str | None = None, bbox: Polygon | None = None) -> QuerySet[Quarter]:
    """Return the current city's quarters with their public fields, optionally of one district or in ``bbox``."""
    city = current_city()
    if city is None:
        return Quarter.objects.none()
    quarters = quarter_layer_queryset().filter(district__city_id=city.pk)
    if district_slug is not None:
        quarters = quarters.filter(district__slug=district_slug)
    if bbox is not None:
        quarters = quarters.filter(geom__bboverlaps=bbox)
    return quarters.order_by("name", "district__name", "pk")


# The public fields of a place, for the map layer, the API and the list page.
POI_PUBLIC_FIELDS = (
    "id",
    "name",
    "category",
    "osm_type",
    "osm_id",
    "address",
    "operator",
    "website",
    "wheelchair",
    "location",
    "district__name",
    "district__slug",
    "quarter__name",
)


def _poi_category_order() -> Case:
    # The order of PointOfInterest.Category (Kitas, schools, …), not the alphabet of the stored values.
    return Case(
        *(
            When(category=value, then=Value(rank))
            for rank, value in enumerate(PointOfInterest.Category.values)
        ),
        default=Value(len(PointOfInterest.Category.values)),
        output_field=IntegerField(),
    )


def poi_layer_queryset() -> QuerySet[PointOfInterest]:
    """Places with their public fields only (and the names of their district and quarter), for the map layer."""
    return (
        PointOfInterest.objects.select_related("district", "quarter")
        .only(*POI_PUBLIC_FIELDS)
        .order_by("category", "name")
    )


def poi_list(
    *, category: str | None = None, district_slug: str | None = None, bbox: Polygon | None = None
) -> QuerySet[PointOfInterest]:
    """Return the current city's places by category (in the order of ``Category``) and name.

    Optionally only those of one category, of one district (by slug) or overlapping ``bbox``. Unknown values
    give an empty result: callers validate what users send.
    """
    city = current_city()
    if city is None:
        return PointOfInterest.objects.none()
    pois = poi_layer_queryset().filter(city_id=city.pk)
    if category is not None:
        pois = pois.filter(category=category)
    if district_slug is not None:
        pois = pois.filter(district__slug=district_slug)
    if bbox is not None:
        # && on the GiST index of the location, as for the other layers.
        pois = pois.filter(location__bboverlaps=bbox)
    return pois.order_by(_poi_category_order(), "name", "pk")


# --- The city as the area all user input must fall into ----------------------------------------------


def _city_extent(city: City) -> tuple[float, float, float, float]:
    # Only the four numbers are cached: the boundary itself stays in PostGIS.
    cached = cache.get(_CITY_EXTENT_CACHE_KEY)
    if cached is not None and cached[0] == city.pk:
        return cached[1]
    extent = City.objects.filter(pk=city.pk).aggregate(extent=Extent("geom"))["extent"]
    cache.set(_CITY_EXTENT_CACHE_KEY, (city.pk, tuple(extent)), _CITY_CACHE_SECONDS)
    return tuple(extent)


def city_area() -> Area | None:
    """Return the current city as an ``Area`` for ``geo_core.parsing``, or None before its data is imported.

    Membership is decided by PostGIS on the boundary (points on the boundary count as inside).
    """
    city = current_city()
    if city is None:
        return None
    city_pk = city.pk

    def contains(point: Point) -> bool:
        return City.objects.filter(pk=city_pk, geom__intersects=point).exists()

    return Area(name=city.name, contains=contains, extent=_city_extent(city))


def parse_city_point(*, lon: object, lat: object) -> Point:
    """Return the point a user gave as longitude and latitude, which must lie in the city.

    The one entry point for web forms and the API. Raises ``geo_core.parsing.GeoInputError``. Before any city
    data is imported, every valid coordinate is accepted.
    """
    return parse_lonlat(lon, lat, area=city_area())


# --- Point lookup ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreetMatch:
    street: Street
    name: str
    distance_m: float


@dataclass(frozen=True)
class Location:
    district: District | None
    quarter: Quarter | None
    street: StreetMatch | None


def _storage_point(point: Point) -> Point:
    if point.srid is None:
        return Point(point.x, point.y, srid=STORAGE_SRID)
    if point.srid != STORAGE_SRID:
        return point.transform(STORAGE_SRID, clone=True)
    return point


def district_for_point(*, point: Point) -> District | None:
    """Return the district of the current city that contains ``point``, or None.

    A point on an edge shared by several districts (or where districts overlap) belongs to the one that sorts
    first by ``official_id``, then ``slug``, then ``pk``: the answer never depends on insertion order or
    query plans, so the same pin is always routed to the same district. The boundary geometry is not loaded.
    """
    city = current_city()
    if city is None:
        return None
    return (
        District.objects.filter(city_id=city.pk, geom__intersects=_storage_point(point))
        .defer("geom")
        .order_by("official_id", "slug", "pk")
        .first()
    )


def quarter_for_point(*, point: Point, district: District | None = None) -> Quarter | None:
    """Return the quarter of the current city that contains ``point``, or None.

    Edges follow the rule of ``district_for_point`` (first by ``official_id``, ``slug``, ``pk``). With
    ``district``, only its quarters are considered, so a point on an edge gets a quarter that agrees with it.
    """
    city = current_city()
    if city is None:
        return None
    quarters = Quarter.objects.filter(district__city_id=city.pk, geom__intersects=_storage_point(point))
    if district is not None:
        quarters = quarters.filter(district_id=district.pk)
    return (
        quarters.select_related("district")
        .defer("geom", "district__geom")
        .order_by("official_id", "slug", "pk")
        .first()
    )


def _min_metres_per_degree(*, lat: float, half_height_deg: float) -> float:
    """Return a lower bound of metres per degree in any direction near ``lat`` (longitude is the short one)."""
    poleward = min(abs(lat) + half_height_deg, 89.9)
    return min(_MIN_METRES_PER_DEGREE_LAT, _METRES_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(poleward)))


def _metric_box(point: Point, metres: float) -> Polygon:
    """Return a lon/lat box that contains every location within ``metres`` of ``point``."""
    half_height = metres * _METRIC_MARGIN / _MIN_METRES_PER_DEGREE_LAT
    half_width = metres * _METRIC_MARGIN / _min_metres_per_degree(lat=point.y, half_height_deg=half_height)
    box = Polygon.from_bbox(
        (
            max(point.x - half_width, -180.0),
            max(point.y - half_height, -90.0),
            min(point.x + half_width, 180.0),
            min(point.y + half_height, 90.0),
        )
    )
    box.srid = STORAGE_SRID
    return box


def nearest_street(*, point: Point, max_distance_m: float = 250) -> StreetMatch | None:
    """Return the street of the current city nearest to ``point`` within ``max_distance_m``, or None.

    The GiST index does the work twice: ``&&`` with a box around the point bounds the search, and the KNN
    operator ``<->`` ranks the few candidates nearest in degrees. A degree of longitude is shorter than one of
    latitude, so the degree ranking is not the metric one: the candidates are compared by their exact
    (spheroidal) distance in metres, and only if a street beyond the candidates could still be nearer, all
    streets within that distance are compared exactly.
    """
    city = current_city()
    if city is None or max_distance_m < 0:
        return None
    point = _storage_point(point)
    streets = (
        Street.objects.filter(city_id=city.pk, geom__bboverlaps=_metric_box(point, max_distance_m))
        .only("id", "name", "quarter_id")
        .annotate(distance=Distance("geom", point, spheroid=True))
    )
    candidates = list(
        streets.annotate(degrees=GeometryDistance("geom", point)).order_by("degrees", "pk")[
            :_NEAREST_STREET_CANDIDATES
        ]
    )
    if not candidates:
        return None
    best = min(candidates, key=lambda street: (street.distance.m, street.pk))
    if len(candidates) == _NEAREST_STREET_CANDIDATES:
        # Every street left out is at least as far in degrees as the last candidate, hence at least this far
        # in metres; if the best candidate is farther, look at everything that could still beat it.
        half_height = max_distance_m * _METRIC_MARGIN / _MIN_METRES_PER_DEGREE_LAT
        bound_m = (
            candidates[-1].degrees
            * _min_metres_per_degree(lat=point.y, half_height_deg=half_height)
            / _METRIC_MARGIN
        )
        if best.distance.m > bound_m:
            best = (
                streets.filter(geom__bboverlaps=_metric_box(point, best.distance.m))
                .order_by("distance", "pk")
                .first()
            ) or best
    if best.distance.m > max_distance_m:
        return None
    return StreetMatch(street=best, name=best.name, distance_m=best.distance.m)


def locate_point(*, point: Point) -> Location:
    """Return what the city knows about a point: its district, its quarter and the nearest street.

    The quarter is looked up within the district found, so both always agree (see ``district_for_point``).
    """
    district = district_for_point(point=point)
    quarter = quarter_for_point(point=point, district=district) if district is not None else None
    return Location(district=district, quarter=quarter, street=nearest_street(point=point))


# --- Gazetteer --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreetHit:
    street_id: int
    name: str
    quarter: str | None
    district: str | None
    point: Point

    @property
    def lon(self) -> float:
        return self.point.x

    @property
    def lat(self) -> float:
        return self.point.y


def _search_keys(query: str) -> list[str]:
    """Return the search keys of a query, the way ``Street.search_name`` holds names."""
    key = normalize_search_text(query)
    # A query stops wherever the user stopped typing: a final "str" is the abbreviation of "Straße" as well as
    # the start of "Stresemannstraße", so it is also read unexpanded. The sentinel keeps the abbreviation from
    # being expanded at the end of the text and is dropped afterwards. The unexpanded reading ("porschestr")
    # matches all that the expanded one ("porschestrasse") does, so it alone is enough then.
    literal = normalize_search_text(query.strip() + "\x00").removesuffix("\x00").strip()
    return [literal] if key.startswith(literal) else [key, literal]


def street_search(*, query: str, limit: int = 10) -> list[StreetHit]:
    """Return streets of the current city whose name matches ``query``, best first.

    Matching ignores case, umlauts (typed as "ü", "ue" or "u") and "ß"/"ss", and accepts "str."/"str" for
    "straße" (see ``normalize_search_text``). Names that start with the query come first, then names with a
    word that starts with it, then names containing it anywhere; within each group by name. The same name
    can exist in several quarters: every hit names its quarter and district and carries a point on the street
    (computed in PostGIS) to centre a map on. Queries shorter than two letters find nothing; ``limit`` is
    capped at ``STREET_SEARCH_MAX_LIMIT``.
    """
    city = current_city()
    # NUL cannot reach PostgreSQL in a parameter; nothing is lost by dropping it.
    query = (query or "").replace("\x00", "")
    keys = [key for key in _search_keys(query) if len(key) >= STREET_SEARCH_MIN_LENGTH]
    if city is None or not keys:
        return []
    limit = max(1, min(int(limit), STREET_SEARCH_MAX_LIMIT))

    # Django's startswith/contains lookups escape "%", "_" and "\" in the key, so user input stays literal;
    # the constant LIKE patterns can use the trigram GIN index on search_name.
    prefix, word_start, matches = Q(), Q(), Q()
    for key in keys:
        prefix |= Q(search_name__startswith=key)
        word_start |= Q(search_name__contains=f" {key}")
        # A substring match includes the other two, and one LIKE per key keeps the index plan simple.
        if len(key) >= _STREET_SUBSTRING_MIN_LENGTH:
            matches |= Q(search_name__contains=key)
        else:
            matches |= Q(search_name__startswith=key) | Q(search_name__contains=f" {key}")
    rows = (
        Street.objects.filter(matches, city_id=city.pk)
        .annotate(
            relevance=Case(
                When(prefix, then=Value(0)),
                When(word_start, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            representative_point=PointOnSurface("geom"),
        )
        .values("id", "name", "quarter__name", "quarter__district__name", "representative_point")
        .order_by("relevance", "name", "quarter__name", "pk")[:limit]
    )
    return [
        StreetHit(
            street_id=row["id"],
            name=row["name"],
            quarter=row["quarter__name"],
            district=row["quarter__district__name"],
            point=row["representative_point"],
        )
        for row in rows
    ]


# --- Pages and map layers ---------------------------------------------------------------------------------

Bounds = tuple[float, float, float, float]


def city_bounds(*, city: City | None = None) -> Bounds | None:
    """Return the city boundary's extent ``(west, south, east, north)``, computed by PostGIS (``ST_Extent``)."""
    city = city or current_city()
    if city is None:
        return None
    return _city_extent(city)


def districts_with_quarters(*, city: City | None = None) -> QuerySet[District]:
    """Return the city's districts by name, each with its quarters by name, without any geometry."""
    city = city or current_city()
    if city is None:
        return District.objects.none()
    quarters = Quarter.objects.only("id", "name", "slug", "district_id").order_by("name", "pk")
    return (
        District.objects.filter(city_id=city.pk)
        .only("id", "name", "slug", "kind", "area_km2", "city_id")
        .prefetch_related(Prefetch("quarters", queryset=quarters))
        .order_by("name", "pk")
    )


def district_choices(*, city: City | None = None) -> list[tuple[str, str]]:
    """Return ``(slug, name)`` of the city's districts by name, for filter forms (no geometry loaded)."""
    city = city or current_city()
    if city is None:
        return []
    return list(District.objects.filter(city_id=city.pk).order_by("name", "pk").values_list("slug", "name"))


def data_sources(*, city: City | None = None) -> QuerySet[GeoDataSource]:
    """Return where the city's geodata came from, one row per imported layer."""
    city = city or current_city()
    if city is None:
        return GeoDataSource.objects.none()
    return GeoDataSource.objects.filter(city_id=city.pk).order_by("layer", "pk")


def layer_attribution(*, layer: str, city: City | None = None) -> list[tuple[str, str]]:
    """Return ``(attribution, licence)`` of the city's sources of ``layer`` (a ``GeoDataSource.Layer``)."""
    city = city or current_city()
    if city is None:
        return []
    return list(
        GeoDataSource.objects.filter(city_id=city.pk, layer=layer)
        .order_by("pk")
        .values_list("attribution", "license")
    )
