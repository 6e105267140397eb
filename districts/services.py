"""Writes of the city's geography and organisation: importing a city from GeoJSON, upserting departments.

The import is city-agnostic: a manifest (or explicit arguments) names the files and the properties to read, and
everything city-specific (which district a quarter or a place lies in, areas) is derived spatially in PostGIS.

Places (``pois`` layer) follow one schema, that of OpenStreetMap extracts: per Point feature ``name`` (or the
manifest's ``name_property``), ``category`` (a value of ``PointOfInterest.Category``; any other value is an error
naming the feature, since a guessed category would misfile the place on every map), ``osm_type`` and ``osm_id``
(the upsert key), and optionally ``address``, ``operator``, ``website`` and ``wheelchair``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.contrib.gis.gdal import CoordTransform, DataSource, GDALException, SpatialReference
from django.contrib.gis.geos import GEOSGeometry, MultiLineString, MultiPolygon
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from districts.boundaries import boundary_change_handlers_run
from districts.models import City, Department, District, GeoDataSource, PointOfInterest, Quarter, Street
from districts.selectors import forget_current_city
from geo_core.srid import STORAGE_SRID, metric_srid
from geo_core.text import normalize_search_text

Layer = GeoDataSource.Layer
Progress = Callable[[str], None]

# A street whose point lies outside every quarter still gets the nearest quarter within this distance (edge
# streets, slivers between quarters); farther away it is outside the city and keeps no quarter.
STREET_QUARTER_MAX_DISTANCE_M = 500
_MAX_PROBLEMS_IN_MESSAGE = 20
_POLYGON_TYPES = ("Polygon", "MultiPolygon")
_LINE_TYPES = ("LineString", "MultiLineString")
_POINT_TYPES = ("Point",)
# The feature properties of the places layer besides the name (see the module docstring).
POI_REQUIRED_PROPERTIES = ("category", "osm_type", "osm_id")
POI_OPTIONAL_PROPERTIES = ("address", "operator", "website", "wheelchair")
# OSM's "designated" (built for wheelchair users) is "yes" for a visitor.
_WHEELCHAIR_ALIASES = {"designated": PointOfInterest.Wheelchair.YES.value}
_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_WEBSITE_VALIDATOR = URLValidator(schemes=["http", "https"])
_OSM_ID = re.compile(r"[0-9]{1,19}")
_SLUG_FOLDS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
_SLUG_SEPARATORS = re.compile(r"[/\\|+&]+")


class ErrorCode(StrEnum):
    MANIFEST_NOT_FOUND = "manifest_not_found"
    MANIFEST_INVALID = "manifest_invalid"
    FILE_NOT_FOUND = "file_not_found"
    FILE_UNREADABLE = "file_unreadable"
    PROPERTY_MISSING = "property_missing"
    PROPERTY_INVALID = "property_invalid"
    ATTRIBUTION_MISSING = "attribution_missing"
    EMPTY_LAYER = "empty_layer"
    INVALID_FEATURES = "invalid_features"
    INVALID_RECORD = "invalid_record"
    OTHER_CITY = "other_city"
    DEPARTMENTS_INVALID = "departments_invalid"
    # Codes of single features, found in CityImportError.problems.
    MISSING_GEOMETRY = "missing_geometry"
    WRONG_GEOMETRY_TYPE = "wrong_geometry_type"
    EMPTY_GEOMETRY = "empty_geometry"
    OUT_OF_RANGE = "out_of_range"
    INVALID_GEOMETRY = "invalid_geometry"
    MISSING_NAME = "missing_name"
    INVALID_SLUG = "invalid_slug"
    DUPLICATE_KEY = "duplicate_key"
    NO_DISTRICT = "no_district"
    UNKNOWN_CATEGORY = "unknown_category"
    INVALID_OSM_REFERENCE = "invalid_osm_reference"


@dataclass(frozen=True)
class FeatureProblem:
    """One feature that cannot be imported, located so that a person can find and fix it in the file."""

    layer: str
    file_name: str
    index: int  # position in the file's feature list, 0-based
    label: str  # name or identifier, if the feature has one
    code: ErrorCode
    reason: str

    def __str__(self) -> str:
        label = f" „{self.label}“" if self.label else ""
        return _("%(layer)s (%(file)s), Objekt Nr. %(number)d (features[%(index)d])%(label)s: %(reason)s") % {
            "layer": _layer_label(self.layer),
            "file": self.file_name,
            "number": self.index + 1,
            "index": self.index,
            "label": label,
            "reason": self.reason,
        }


class CityImportError(Exception):
    """The import was refused; nothing was written. ``code`` is stable, ``problems`` lists bad features."""

    def __init__(self, message: str, *, code: ErrorCode, problems: tuple[FeatureProblem, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.problems = problems


@dataclass(frozen=True)
class LayerSpec:
    """Where one layer's GeoJSON lies and which feature properties to read.

    ``id_property`` holds an official identifier (stored as ``official_id``, the first upsert key);
    ``slug_property`` holds a stable short name (default: derived from the name; the second upsert key).
    ``attribution``/``license`` override the FeatureCollection's top-level members of the same names.
    """

    file: Path
    name_property: str = "name"
    id_property: str | None = None
    slug_property: str | None = None
    kind_property: str | None = None
    attribution: str | None = None
    license: str | None = None


@dataclass(frozen=True)
class CitySpec:
    name: str
    slug: str
    official_id: str
    boundary: LayerSpec
    districts: LayerSpec
    quarters: LayerSpec
    streets: LayerSpec | None = None
    pois: LayerSpec | None = None
    departments_file: Path | None = None


@dataclass
class UpsertCounts:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    # Names of records missing from the file that were kept (prune=False).
    kept: list[str] = field(default_factory=list)


@dataclass
class CityImportResult:
    city: City
    city_area_km2: float
    layers: dict[str, UpsertCounts]
    departments: UpsertCounts | None
    warnings: list[str]
    # Districts whose boundaries (or quarters) changed, and what the boundary change handlers returned by key.
    changed_district_ids: list[int] = field(default_factory=list)
    boundary_changes: dict[str, object] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------------
# Manifest


_MANIFEST_KEYS = {"name", "slug", "official_id", "layers", "departments"}
_LAYER_KEYS = {
    "file",
    "name_property",
    "id_property",
    "slug_property",
    "kind_property",
    "attribution",
    "license",
}
_POI_LAYER_KEYS = {"file", "name_property", "attribution", "license"}


def city_spec_from_manifest(*, path: Path) -> CitySpec:
    """Read a city manifest (JSON); file names in it are relative to the manifest."""
    path = Path(path)
    if not path.is_file():
        raise CityImportError(
            _("Manifest %(path)s nicht gefunden.") % {"path": path}, code=ErrorCode.MANIFEST_NOT_FOUND
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise _manifest_error(path, _("kein gültiges JSON (%(error)s)") % {"error": error}) from error
    if not isinstance(data, dict):
        raise _manifest_error(path, _("erwartet wird ein JSON-Objekt"))
    _reject_unknown_keys(path, data, _MANIFEST_KEYS, where="")

    layers = data.get("layers")
    if not isinstance(layers, dict):
        raise _manifest_error(path, _("„layers“ fehlt oder ist kein Objekt"))
    _reject_unknown_keys(path, layers, {layer.value for layer in Layer}, where="layers.")
    base = path.parent
    departments = _manifest_text(path, data, "departments", required=False)
    return CitySpec(
        name=_manifest_text(path, data, "name"),
        slug=_manifest_text(path, data, "slug"),
        official_id=_manifest_text(path, data, "official_id", required=False),
        boundary=_manifest_layer(path, base, layers, Layer.BOUNDARY),
        districts=_manifest_layer(path, base, layers, Layer.DISTRICTS),
        quarters=_manifest_layer(path, base, layers, Layer.QUARTERS),
        streets=_manifest_layer(path, base, layers, Layer.STREETS) if Layer.STREETS in layers else None,
        pois=_manifest_layer(path, base, layers, Layer.POIS) if Layer.POIS in layers else None,
        departments_file=base / departments if departments else None,
    )


def _manifest_layer(path: Path, base: Path, layers: dict[str, Any], layer: str) -> LayerSpec:
    entry = layers.get(layer)
    if not isinstance(entry, dict):
        raise _manifest_error(path, _("„layers.%(layer)s“ fehlt oder ist kein Objekt") % {"layer": layer})
    where = f"layers.{layer}."
    # Places are keyed by their OSM reference and have a fixed schema: no id, slug or kind to configure.
    allowed = _POI_LAYER_KEYS if layer == Layer.POIS else _LAYER_KEYS
    _reject_unknown_keys(path, entry, allowed, where=where)

    def text(key: str) -> str | None:
        return _manifest_text(path, entry, key, required=False, where=where) or None

    return LayerSpec(
        file=base / _manifest_text(path, entry, "file", where=where),
        name_property=text("name_property") or "name",
        id_property=text("id_property"),
        slug_property=text("slug_property"),
        kind_property=text("kind_property"),
        attribution=text("attribution"),
        license=text("license"),
    )


def _manifest_text(
    path: Path, data: dict[str, Any], key: str, *, required: bool = True, where: str = ""
) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _manifest_error(path, _("„%(key)s“ fehlt oder ist kein Text") % {"key": f"{where}{key}"})
    return value.strip()


def _reject_unknown_keys(path: Path, data: dict[str, Any], allowed: set[str], *, where: str) -> None:
    # A misspelt key would otherwise be ignored silently and the default used instead.
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _manifest_error(
            path,
            _("unbekannte Schlüssel %(keys)s (erlaubt: %(allowed)s)")
            % {
                "keys": ", ".join(f"„{where}{key}“" for key in unknown),
                "allowed": ", ".join(sorted(allowed)),
            },
        )


def _manifest_error(path: Path, reason: str) -> CityImportError:
    return CityImportError(
        _("Manifest %(path)s: %(reason)s.") % {"path": path, "reason": reason},
        code=ErrorCode.MANIFEST_INVALID,
    )


# ---------------------------------------------------------------------------------------------------------------
# Import


@dataclass(frozen=True)
class _Feature:
    index: int
    name: str
    official_id: str
    slug: str
    kind: str
    geom: GEOSGeometry

    @property
    def label(self) -> str:
        return self.name or self.official_id or self.slug


@dataclass(frozen=True)
class _PoiFeature:
    index: int
    name: str
    category: str
    osm_type: str
    osm_id: int
    address: str
    operator: str
    website: str
    wheelchair: str
    geom: GEOSGeometry

    @property
    def label(self) -> str:
        return self.name or f"{self.osm_type}/{self.osm_id}"

    def values(self) -> dict[str, Any]:
        """Return the model field values the feature sets (the OSM reference is the key, not a value)."""
        return {
            "name": self.name,
            "category": self.category,
            "address": self.address,
            "operator": self.operator,
            "website": self.website,
            "wheelchair": self.wheelchair,
            "location": self.geom,
        }


@dataclass(frozen=True)
class _LayerData:
    layer: str
    spec: LayerSpec
    features: list[Any]  # _Feature; _PoiFeature for the places layer
    attribution: str
    license: str
    # What was left out of single features without refusing the import (e.g. a website that is no URL).
    notes: list[str] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        return self.spec.file.name


def city_import(*, spec: CitySpec, prune: bool = False, progress: Progress | None = None) -> CityImportResult:
    """Import (or update) the city, its districts, quarters, streets, places and departments in one transaction.

    Every file is read and validated before anything is written; any problem raises ``CityImportError`` and
    leaves the database as it was. Districts, quarters and places missing from the files are kept (with a
    warning) unless ``prune`` is set.
    """
    report = progress or (lambda message: None)
    problems: list[FeatureProblem] = []
    boundary = _layer_read(layer=Layer.BOUNDARY, spec=spec.boundary, problems=problems)
    districts = _layer_read(layer=Layer.DISTRICTS, spec=spec.districts, problems=problems)
    quarters = _layer_read(layer=Layer.QUARTERS, spec=spec.quarters, problems=problems)
    streets = _layer_read(layer=Layer.STREETS, spec=spec.streets, problems=problems) if spec.streets else None
    pois = _pois_read(spec=spec.pois, problems=problems) if spec.pois else None
    problems += _duplicate_keys(districts, slug_unique=True)
    problems += _duplicate_keys(quarters, slug_unique=False)
    if pois is not None:
        problems += _poi_duplicate_keys(pois)
    if problems:
        raise _features_error(problems)
    departments = _departments_read(path=spec.departments_file) if spec.departments_file else None

    result = _city_write(
        spec=spec,
        boundary=boundary,
        districts=districts,
        quarters=quarters,
        streets=streets,
        pois=pois,
        departments=departments,
        prune=prune,
        report=report,
    )
    transaction.on_commit(forget_current_city)
    return result


@transaction.atomic
def _city_write(
    *,
    spec: CitySpec,
    boundary: _LayerData,
    districts: _LayerData,
    quarters: _LayerData,
    streets: _LayerData | None,
    pois: _LayerData | None,
    departments: list[dict[str, Any]] | None,
    prune: bool,
    report: Progress,
) -> CityImportResult:
    warnings: list[str] = []
    city, boundary_counts = _city_upsert(spec=spec, boundary=boundary)
    city_area_km2 = _spatial_facts(geoms=[city.geom], city_id=city.pk)[0][0]
    report(_layer_message(Layer.BOUNDARY, boundary_counts) + f" ({city_area_km2:.2f} km²)")
    layers = {Layer.BOUNDARY.value: boundary_counts}

    district_counts, district_ids, changed_district_ids = _districts_upsert(
        city=city, data=districts, warnings=warnings
    )
    layers[Layer.DISTRICTS.value] = district_counts
    report(_layer_message(Layer.DISTRICTS, district_counts))

    quarter_counts, quarter_ids, quarter_district_ids = _quarters_upsert(
        city=city, data=quarters, district_ids=district_ids, warnings=warnings
    )
    changed_district_ids += quarter_district_ids
    layers[Layer.QUARTERS.value] = quarter_counts
    report(_layer_message(Layer.QUARTERS, quarter_counts))

    stale_quarters = Quarter.objects.filter(district__city=city).exclude(pk__in=quarter_ids)
    if prune:
        # Reports in a pruned quarter lose it; their district's other quarters may take them.
        changed_district_ids += stale_quarters.values_list("district_id", flat=True)
    # Stale quarters go first, so that pruning a district only cascades to quarters that are stale too.
    _stale_handle(
        queryset=stale_quarters,
        layer=Layer.QUARTERS,
        counts=quarter_counts,
        prune=prune,
        warnings=warnings,
    )
    _stale_handle(
        queryset=District.objects.filter(city=city).exclude(pk__in=district_ids),
        layer=Layer.DISTRICTS,
        counts=district_counts,
        prune=prune,
        warnings=warnings,
    )

    sources = [boundary, districts, quarters]
    if streets is not None:
        street_counts = _streets_replace(city=city, data=streets, quarter_ids=quarter_ids, warnings=warnings)
        layers[Layer.STREETS.value] = street_counts
        report(
            _("%(layer)s: %(read)d gelesen, %(created)d neu angelegt (%(deleted)d bisherige ersetzt)")
            % {
                "layer": _layer_label(Layer.STREETS),
                "read": street_counts.read,
                "created": street_counts.created,
                "deleted": street_counts.deleted,
            }
        )
        sources.append(streets)
    if pois is not None:
        # After the districts and quarters (and their pruning): places are located in the final areas.
        poi_counts = _pois_upsert(city=city, data=pois, prune=prune, warnings=warnings)
        layers[Layer.POIS.value] = poi_counts
        message = _layer_message(Layer.POIS, poi_counts)
        if poi_counts.deleted:
            message += _(", %(deleted)d gelöscht") % {"deleted": poi_counts.deleted}
        report(message)
        sources.append(pois)
    for data in sources:
        _source_upsert(city=city, data=data)

    department_counts = None
    if departments is not None:
        department_counts = departments_upsert(entries=departments)
        report(_counts_message(_("Fachbereiche"), department_counts))

    # Last, in this transaction: the final areas and departments are in place, and if a handler fails (e.g. no
    # triage department for a report that needs one) the whole import is rolled back, so the committed
    # boundaries and what is located by them (the reports' districts and departments) always agree.
    changed_district_ids = sorted(set(changed_district_ids) & set(district_ids))
    boundary_changes = boundary_change_handlers_run(district_ids=changed_district_ids)
    for outcome in boundary_changes.values():
        report(str(outcome))
    return CityImportResult(
        city=city,
        city_area_km2=city_area_km2,
        layers=layers,
        departments=department_counts,
        warnings=warnings,
        changed_district_ids=changed_district_ids,
        boundary_changes=boundary_changes,
    )


def _layer_read(*, layer: str, spec: LayerSpec, problems: list[FeatureProblem]) -> _LayerData:
    """Read one layer with GDAL (honouring the file's CRS), reproject to storage SRID and validate each feature."""
    path, ogr_layer, transform = _layer_open(layer=layer, spec=spec)
    needs_name = layer != Layer.BOUNDARY
    wanted = [spec.id_property, spec.slug_property, spec.kind_property]
    if needs_name:
        wanted.insert(0, spec.name_property)
    _layer_check_properties(layer=layer, spec=spec, ogr_layer=ogr_layer, wanted=wanted)

    allowed = _POLYGON_TYPES if layer != Layer.STREETS else _LINE_TYPES
    features: list[_Feature] = []
    for index, ogr_feature in enumerate(ogr_layer):
        name = _property(ogr_feature, spec.name_property) if needs_name else ""
        official_id = _property(ogr_feature, spec.id_property)
        slug = _property(ogr_feature, spec.slug_property) or _slug_from_name(name)
        label = name or official_id or slug

        def problem(code: ErrorCode, reason: str, index: int = index, label: str = label) -> None:
            problems.append(FeatureProblem(layer, path.name, index, label, code, reason))

        if needs_name and not name:
            problem(
                ErrorCode.MISSING_NAME,
                _("Name fehlt (Eigenschaft „%(property)s“)") % {"property": spec.name_property},
            )
            continue
        if needs_name and not slug:
            problem(ErrorCode.INVALID_SLUG, _("aus dem Namen lässt sich kein Kurzname bilden"))
            continue
        geom, reason, code = _feature_geometry(ogr_feature, transform=transform, allowed=allowed)
        if reason:
            problem(code, reason)
            continue
        features.append(
            _Feature(
                index=index,
                name=name,
                official_id=official_id,
                slug=slug,
                kind=_property(ogr_feature, spec.kind_property),
                geom=geom,
            )
        )
    attribution, license_text = _layer_attribution(layer=layer, spec=spec, path=path)
    return _LayerData(
        layer=layer, spec=spec, features=features, attribution=attribution, license=license_text
    )


def _layer_open(*, layer: str, spec: LayerSpec) -> tuple[Path, Any, CoordTransform | None]:
    """Open a layer's file with GDAL; return its path, its first layer and the transform to the storage SRID."""
    path = Path(spec.file)
    if not path.is_file():
        raise CityImportError(
            _("%(layer)s: Datei %(path)s nicht gefunden.") % {"layer": _layer_label(layer), "path": path},
            code=ErrorCode.FILE_NOT_FOUND,
        )
    try:
        ogr_layer = DataSource(str(path))[0]
    except (GDALException, IndexError) as error:
        raise CityImportError(
            _("%(layer)s: Datei %(path)s ist nicht lesbar (%(error)s).")
            % {"layer": _layer_label(layer), "path": path, "error": error},
            code=ErrorCode.FILE_UNREADABLE,
        ) from error
    if len(ogr_layer) == 0:
        raise CityImportError(
            _("%(layer)s: Datei %(path)s enthält keine Objekte.")
            % {"layer": _layer_label(layer), "path": path},
            code=ErrorCode.EMPTY_LAYER,
        )
    storage = SpatialReference(STORAGE_SRID)
    source_srs = ogr_layer.srs
    # Both SpatialReferences use the traditional GIS axis order (Django's default), so coordinates stay lon/lat
    # even where the EPSG authority defines lat/lon. A layer without CRS is RFC 7946 lon/lat already.
    transform = (
        CoordTransform(source_srs, storage)
        if source_srs is not None and source_srs.srid != STORAGE_SRID
        else None
    )
    return path, ogr_layer, transform


def _feature_geometry(
    ogr_feature: Any, *, transform: CoordTransform | None, allowed: tuple[str, ...]
) -> tuple[GEOSGeometry | None, str, ErrorCode | None]:
    """Return the feature's geometry in the storage SRID, or a reason and code why it cannot be stored."""
    try:
        ogr_geom = ogr_feature.geom
    except GDALException:
        return None, _("Geometrie fehlt"), ErrorCode.MISSING_GEOMETRY
    ogr_geom.set_measured(False)
    ogr_geom.set_3d(False)
    if transform is not None:
        ogr_geom.transform(transform)
    geom = ogr_geom.geos
    geom.srid = STORAGE_SRID
    return _geometry_checked(geom, allowed=allowed)


def _layer_check_properties(*, layer: str, spec: LayerSpec, ogr_layer: Any, wanted: list[str | None]) -> None:
    fields = dict(zip(ogr_layer.fields, ogr_layer.field_types, strict=True))
    for name in filter(None, wanted):
        if name not in fields:
            raise CityImportError(
                _("%(layer)s (%(file)s): keine Eigenschaft „%(property)s“ (vorhanden: %(fields)s).")
                % {
                    "layer": _layer_label(layer),
                    "file": spec.file.name,
                    "property": name,
                    "fields": ", ".join(ogr_layer.fields) or "–",
                },
                code=ErrorCode.PROPERTY_MISSING,
            )
        # OGR reads JSON arrays as StringList/IntegerList; such a value is no name or identifier.
        if fields[name].__name__.endswith("List"):
            raise CityImportError(
                _(
                    "%(layer)s (%(file)s): Eigenschaft „%(property)s“ ist eine Liste, erwartet wird ein Einzelwert."
                )
                % {"layer": _layer_label(layer), "file": spec.file.name, "property": name},
                code=ErrorCode.PROPERTY_INVALID,
            )


def _pois_read(*, spec: LayerSpec, problems: list[FeatureProblem]) -> _LayerData:
    """Read and validate the places layer (see the module docstring for its properties)."""
    layer = Layer.POIS
    path, ogr_layer, transform = _layer_open(layer=layer, spec=spec)
    optional = [name for name in POI_OPTIONAL_PROPERTIES if name in ogr_layer.fields]
    _layer_check_properties(
        layer=layer,
        spec=spec,
        ogr_layer=ogr_layer,
        wanted=[spec.name_property, *POI_REQUIRED_PROPERTIES, *optional],
    )
    categories = PointOfInterest.Category.values
    osm_types = PointOfInterest.OsmType.values
    notes: list[str] = []
    features: list[_PoiFeature] = []
    for index, ogr_feature in enumerate(ogr_layer):
        name = _property(ogr_feature, spec.name_property)
        category = _property(ogr_feature, "category")
        osm_type = _property(ogr_feature, "osm_type").lower()
        raw_osm_id = _property(ogr_feature, "osm_id")
        label = name or "/".join(filter(None, (osm_type, raw_osm_id)))

        def problem(code: ErrorCode, reason: str, index: int = index, label: str = label) -> None:
            problems.append(FeatureProblem(layer, path.name, index, label, code, reason))

        if not name:
            problem(
                ErrorCode.MISSING_NAME,
                _("Name fehlt (Eigenschaft „%(property)s“)") % {"property": spec.name_property},
            )
            continue
        if category not in categories:
            problem(
                ErrorCode.UNKNOWN_CATEGORY,
                _("Kategorie „%(value)s“ ist unbekannt (bekannt: %(known)s)")
                % {"value": category, "known": ", ".join(categories)},
            )
            continue
        osm_id = int(raw_osm_id) if _OSM_ID.fullmatch(raw_osm_id) else 0
        if osm_type not in osm_types or not 0 < osm_id < 2**63:
            problem(
                ErrorCode.INVALID_OSM_REFERENCE,
                _(
                    "OSM-Bezug „%(type)s/%(id)s“ ist ungültig: erwartet werden node, way oder relation und eine "
                    "positive ganze Zahl"
                )
                % {"type": osm_type, "id": raw_osm_id},
            )
            continue
        geom, reason, code = _feature_geometry(ogr_feature, transform=transform, allowed=_POINT_TYPES)
        if reason:
            problem(code, reason)
            continue
        extra = {
            key: _property(ogr_feature, key) if key in optional else "" for key in POI_OPTIONAL_PROPERTIES
        }
        website = _website_normalized(extra["website"])
        if website is None:
            notes.append(
                _(
                    "%(layer)s: „%(name)s“: Die Website „%(value)s“ ist keine gültige Adresse und wird weggelassen."
                )
                % {"layer": _layer_label(layer), "name": name, "value": extra["website"]}
            )
            website = ""
        wheelchair = extra["wheelchair"].lower()
        wheelchair = _WHEELCHAIR_ALIASES.get(wheelchair, wheelchair)
        if wheelchair not in PointOfInterest.Wheelchair.values:
            notes.append(
                _(
                    "%(layer)s: „%(name)s“: Die Angabe „%(value)s“ zum Rollstuhlzugang ist unbekannt und wird "
                    "weggelassen."
                )
                % {"layer": _layer_label(layer), "name": name, "value": extra["wheelchair"]}
            )
            wheelchair = ""
        features.append(
            _PoiFeature(
                index=index,
                name=name,
                category=category,
                osm_type=osm_type,
                osm_id=osm_id,
                address=extra["address"],
                operator=extra["operator"],
                website=website,
                wheelchair=wheelchair,
                geom=geom,
            )
        )
    attribution, license_text = _layer_attribution(layer=layer, spec=spec, path=path)
    return _LayerData(
        layer=layer, spec=spec, features=features, attribution=attribution, license=license_text, notes=notes
    )


def _website_normalized(raw: str) -> str | None:
    """Return ``raw`` as an absolute http(s) URL ("" if empty), or None if it cannot be one.

    OSM mappers often leave out the scheme ("www.example.org"); such a value is read as https.
    """
    if not raw:
        return ""
    url = raw if _URL_SCHEME.match(raw) else f"https://{raw}"
    max_length = PointOfInterest._meta.get_field("website").max_length
    try:
        _WEBSITE_VALIDATOR(url)
    except ValidationError:
        return None
    return url if len(url) <= max_length else None


def _property(ogr_feature: Any, name: str | None) -> str:
    if not name:
        return ""
    value = ogr_feature.get(name)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an id written as 262.0 is still 262
    return str(value).strip()


def _slug_from_name(name: str) -> str:
    """Return a German-aware slug ("Kästorf/Sandkamp" → "kaestorf-sandkamp")."""
    return slugify(_SLUG_SEPARATORS.sub(" ", name.translate(_SLUG_FOLDS)))[:100].strip("-")


def _geometry_checked(
    geom: GEOSGeometry, *, allowed: tuple[str, ...]
) -> tuple[GEOSGeometry, str, ErrorCode | None]:
    """Return the geometry promoted to its multi type, or a reason and code why it cannot be stored."""
    if geom.geom_type not in allowed:
        return (
            geom,
            _("Geometrietyp %(found)s, erwartet %(allowed)s")
            % {"found": geom.geom_type, "allowed": " oder ".join(allowed)},
            ErrorCode.WRONG_GEOMETRY_TYPE,
        )
    if geom.empty:
        return geom, _("Geometrie ist leer"), ErrorCode.EMPTY_GEOMETRY
    xmin, ymin, xmax, ymax = geom.extent
    if xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90:
        return (
            geom,
            _(
                "Koordinaten außerhalb von Länge/Breite; fehlt in der Datei die Angabe des Koordinatensystems (crs)?"
            ),
            ErrorCode.OUT_OF_RANGE,
        )
    if not geom.valid:
        return (
            geom,
            _("Geometrie ungültig: %(reason)s") % {"reason": geom.valid_reason},
            ErrorCode.INVALID_GEOMETRY,
        )
    if geom.geom_type == "Polygon":
        geom = MultiPolygon(geom, srid=geom.srid)
    elif geom.geom_type == "LineString":
        geom = MultiLineString(geom, srid=geom.srid)
    return geom, "", None


def _layer_attribution(*, layer: str, spec: LayerSpec, path: Path) -> tuple[str, str]:
    attribution, license_text = spec.attribution, spec.license
    if attribution is None or license_text is None:
        members = _collection_members(path)
        attribution = attribution if attribution is not None else members.get("attribution", "")
        license_text = license_text if license_text is not None else members.get("license", "")
    if not attribution:
        # The attribution is shown on every map; importing data without one would hide a licence duty.
        raise CityImportError(
            _(
                "%(layer)s (%(file)s): Quellenangabe fehlt. Ergänzen Sie „attribution“ in der FeatureCollection "
                "oder im Manifest."
            )
            % {"layer": _layer_label(layer), "file": path.name},
            code=ErrorCode.ATTRIBUTION_MISSING,
        )
    return attribution, license_text


def _collection_members(path: Path) -> dict[str, str]:
    """Return the FeatureCollection's top-level text members (GDAL does not expose unknown ones)."""
    if path.suffix.lower() not in (".geojson", ".json"):
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: value.strip() for key, value in data.items() if isinstance(value, str)}


def _duplicate_keys(data: _LayerData, *, slug_unique: bool) -> list[FeatureProblem]:
    """Find features that would upsert the same record: equal official ids, or equal slugs."""
    problems = []
    seen: dict[tuple[str, str], _Feature] = {}
    for feature in data.features:
        keys = []
        if feature.official_id:
            keys.append(("official_id", feature.official_id))
        if slug_unique or not feature.official_id:
            keys.append(("slug", feature.slug))
        for key in keys:
            first = seen.setdefault(key, feature)
            if first is not feature:
                problems.append(
                    FeatureProblem(
                        data.layer,
                        data.file_name,
                        feature.index,
                        feature.label,
                        ErrorCode.DUPLICATE_KEY,
                        _("%(key)s „%(value)s“ kommt schon bei Objekt Nr. %(number)d vor")
                        % {
                            "key": _("Kennung") if key[0] == "official_id" else _("Kurzname"),
                            "value": key[1],
                            "number": first.index + 1,
                        },
                    )
                )
                break
    return problems


def _features_error(problems: list[FeatureProblem]) -> CityImportError:
    lines = [str(problem) for problem in problems[:_MAX_PROBLEMS_IN_MESSAGE]]
    if len(problems) > _MAX_PROBLEMS_IN_MESSAGE:
        lines.append(_("… und %(count)d weitere") % {"count": len(problems) - _MAX_PROBLEMS_IN_MESSAGE})
    message = ngettext(
        "%(count)d Objekt kann nicht importiert werden, nichts wurde geändert:",
        "%(count)d Objekte können nicht importiert werden, nichts wurde geändert:",
        len(problems),
    ) % {"count": len(problems)}
    return CityImportError(
        "\n".join([message, *lines]), code=ErrorCode.INVALID_FEATURES, problems=tuple(problems)
    )


def _city_upsert(*, spec: CitySpec, boundary: _LayerData) -> tuple[City, UpsertCounts]:
    other = City.objects.exclude(slug=spec.slug).order_by("pk").first()
    if other is not None:
        raise CityImportError(
            _(
                "Diese Installation dient bereits der Stadt „%(other)s“ (%(other_slug)s); "
                "„%(name)s“ (%(slug)s) wird nicht zusätzlich importiert."
            )
            % {"other": other.name, "other_slug": other.slug, "name": spec.name, "slug": spec.slug},
            code=ErrorCode.OTHER_CITY,
        )
    geoms = [feature.geom for feature in boundary.features]
    geom = (
        geoms[0]
        if len(geoms) == 1
        else MultiPolygon(*[p for g in geoms for p in g], srid=STORAGE_SRID).unary_union
    )
    if geom.geom_type == "Polygon":
        geom = MultiPolygon(geom, srid=STORAGE_SRID)
    geom.srid = STORAGE_SRID
    counts = UpsertCounts(read=len(boundary.features))
    city = City.objects.filter(slug=spec.slug).first() or City(slug=spec.slug)
    _record_apply(
        instance=city,
        values={"name": spec.name, "official_id": spec.official_id, "geom": geom},
        counts=counts,
        data=boundary,
        feature=None,
    )
    return city, counts


# What decides which area a point lies in: the geometry, and on a shared edge the tie rule of
# districts.selectors.district_for_point (official_id, slug).
_LOCATING_FIELDS = ("geom", "official_id", "slug")


def _located_by_changes(instance: District | Quarter, values: dict[str, Any]) -> bool:
    """Return whether saving ``values`` can move a point into or out of the area (or change who wins a tie)."""
    return instance.pk is None or any(
        not _same(getattr(instance, key), values[key]) for key in _LOCATING_FIELDS
    )


def _districts_upsert(
    *, city: City, data: _LayerData, warnings: list[str]
) -> tuple[UpsertCounts, list[int], list[int]]:
    """Create or update the districts; return the counts, the ids and the ids of those whose area changed."""
    counts = UpsertCounts(read=len(data.features))
    facts = _spatial_facts(geoms=[feature.geom for feature in data.features], city_id=city.pk)
    matcher = _Matcher(District.objects.filter(city=city))
    ids = []
    changed = []
    for feature, (area_km2, inside_city, _district_id) in zip(data.features, facts, strict=True):
        if not inside_city:
            warnings.append(_outside_city_warning(data, feature))
        district = matcher.match(feature) or District(city=city)
        values = _area_values(feature, area_km2)
        moved = _located_by_changes(district, values)
        _record_apply(instance=district, values=values, counts=counts, data=data, feature=feature)
        ids.append(district.pk)
        if moved:
            changed.append(district.pk)
    return counts, ids, changed


def _quarters_upsert(
    *, city: City, data: _LayerData, district_ids: list[int], warnings: list[str]
) -> tuple[UpsertCounts, list[int], list[int]]:
    """Create or update the quarters; return the counts, the ids and the districts whose quarters changed."""
    counts = UpsertCounts(read=len(data.features))
    facts = _spatial_facts(
        geoms=[feature.geom for feature in data.features], city_id=city.pk, district_ids=district_ids
    )
    problems = [
        FeatureProblem(
            data.layer,
            data.file_name,
            feature.index,
            feature.label,
            ErrorCode.NO_DISTRICT,
            _("liegt in keinem der importierten Ortsratsbereiche"),
        )
        for feature, (_area, _inside, district_id) in zip(data.features, facts, strict=True)
        if district_id is None
    ]
    if problems:
        raise _features_error(problems)
    matcher = _Matcher(Quarter.objects.filter(district__city=city))
    ids = []
    changed_districts = []
    for feature, (area_km2, inside_city, district_id) in zip(data.features, facts, strict=True):
        if not inside_city:
            warnings.append(_outside_city_warning(data, feature))
        quarter = matcher.match(feature) or Quarter()
        values = {**_area_values(feature, area_km2), "district_id": district_id}
        if _located_by_changes(quarter, values) or quarter.district_id != district_id:
            # Both the district it leaves and the one it joins hold reports whose quarter may change.
            changed_districts += [pk for pk in (quarter.district_id, district_id) if pk is not None]
        _record_apply(instance=quarter, values=values, counts=counts, data=data, feature=feature)
        ids.append(quarter.pk)
    return counts, ids, changed_districts


def _area_values(feature: _Feature, area_km2: float) -> dict[str, Any]:
    return {
        "name": feature.name,
        "slug": feature.slug,
        "official_id": feature.official_id,
        "kind": feature.kind,
        "geom": feature.geom,
        "area_km2": area_km2,
    }


class _Matcher:
    """Find the stored record a feature updates: by official id first, else by slug (each record once)."""

    def __init__(self, queryset: models.QuerySet) -> None:
        self._by_official_id: dict[str, Any] = {}
        self._by_slug: dict[str, list[Any]] = {}
        for record in queryset:
            if record.official_id:
                self._by_official_id[record.official_id] = record
            self._by_slug.setdefault(record.slug, []).append(record)
        self._used: set[int] = set()

    def match(self, feature: _Feature) -> Any | None:
        record = self._by_official_id.get(feature.official_id) if feature.official_id else None
        if record is None:
            candidates = self._by_slug.get(feature.slug, [])
            # Two different official ids mean two different areas, even under the same name.
            candidates = [
                candidate
                for candidate in candidates
                if not (
                    feature.official_id
                    and candidate.official_id
                    and candidate.official_id != feature.official_id
                )
            ]
            # A slug shared by quarters of several districts is ambiguous; such a feature is created anew.
            record = candidates[0] if len(candidates) == 1 else None
        if record is None or record.pk in self._used:
            return None
        self._used.add(record.pk)
        return record


def _record_apply(
    *,
    instance: models.Model,
    values: dict[str, Any],
    counts: UpsertCounts,
    data: _LayerData,
    feature: _Feature | None,
) -> None:
    """Set the values; save (after full_clean) only if the record is new or something changed."""
    is_new = instance.pk is None
    changed = is_new or any(not _same(getattr(instance, key), value) for key, value in values.items())
    if not changed:
        counts.unchanged += 1
        return
    for key, value in values.items():
        setattr(instance, key, value)
    try:
        instance.full_clean()
    except ValidationError as error:
        reason = "; ".join(f"{key}: {' '.join(messages)}" for key, messages in error.message_dict.items())
        if feature is None:
            message = _("%(layer)s (%(file)s): %(reason)s") % {
                "layer": _layer_label(data.layer),
                "file": data.file_name,
                "reason": reason,
            }
        else:
            message = str(
                FeatureProblem(
                    data.layer, data.file_name, feature.index, feature.label, ErrorCode.INVALID_RECORD, reason
                )
            )
        raise CityImportError(message, code=ErrorCode.INVALID_RECORD) from error
    instance.save()
    if is_new:
        counts.created += 1
    else:
        counts.updated += 1


def _same(old: Any, new: Any) -> bool:
    if isinstance(new, GEOSGeometry):
        # Coordinates survive PostGIS unchanged; the tolerance (about 0.1 mm) only absorbs float noise.
        return old is not None and old.geom_type == new.geom_type and old.equals_exact(new, tolerance=1e-9)
    if isinstance(new, float) and isinstance(old, float):
        return math.isclose(old, new, rel_tol=1e-9, abs_tol=1e-12)
    return old == new


def _spatial_facts(
    *, geoms: list[GEOSGeometry], city_id: int, district_ids: list[int] | None = None
) -> list[tuple[float, bool, int | None]]:
    """Return, per geometry, its area in km² (metric SRID), whether it lies in the city, and its district.

    The district is the one covering the geometry's point on surface, else the one with the largest overlap;
    ties go to the lower id so that the result is deterministic. All in one query.
    """
    district_table = connection.ops.quote_name(District._meta.db_table)
    city_table = connection.ops.quote_name(City._meta.db_table)
    district_sql = "NULL::bigint"
    if district_ids is not None:
        district_sql = f"""COALESCE(
            (SELECT d.id FROM {district_table} d
              WHERE d.id = ANY(%(district_ids)s::bigint[]) AND ST_Covers(d.geom, ST_PointOnSurface(t.geom))
              ORDER BY d.id LIMIT 1),
            (SELECT d.id FROM {district_table} d
              WHERE d.id = ANY(%(district_ids)s::bigint[]) AND ST_Intersects(d.geom, t.geom)
              ORDER BY ST_Area(ST_Transform(ST_Intersection(d.geom, t.geom), %(metric_srid)s)) DESC, d.id
              LIMIT 1)
        )"""  # noqa: S608  (only table names from model metadata are interpolated)
    sql = f"""
        SELECT ST_Area(ST_Transform(t.geom, %(metric_srid)s)) / 1e6,
               ST_Covers(c.geom, ST_PointOnSurface(t.geom)),
               {district_sql}
          FROM (SELECT ST_GeomFromEWKB(u.wkb) AS geom, u.position
                  FROM unnest(%(geoms)s::bytea[]) WITH ORDINALITY AS u(wkb, position)) AS t
          JOIN {city_table} c ON c.id = %(city_id)s
         ORDER BY t.position
    """  # noqa: S608  (only table names from model metadata are interpolated)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "geoms": [bytes(geom.ewkb) for geom in geoms],
                "city_id": city_id,
                "district_ids": district_ids or [],
                "metric_srid": metric_srid(),
            },
        )
        return [(float(area), bool(inside), district_id) for area, inside, district_id in cursor.fetchall()]


def _outside_city_warning(data: _LayerData, feature: _Feature) -> str:
    return _("%(layer)s: „%(name)s“ liegt außerhalb der Stadtgrenze.") % {
        "layer": _layer_label(data.layer),
        "name": feature.label,
    }


def _stale_handle(
    *, queryset: models.QuerySet, layer: str, counts: UpsertCounts, prune: bool, warnings: list[str]
) -> None:
    names = list(queryset.order_by("name").values_list("name", flat=True))
    if not names:
        return
    if prune:
        queryset.delete()
        counts.deleted = len(names)
        return
    counts.kept = names
    warnings.append(
        _("%(layer)s fehlen in der Datei und bleiben erhalten (--prune löscht sie): %(names)s")
        % {"layer": _layer_label(layer), "names": ", ".join(names)}
    )


def _streets_replace(
    *, city: City, data: _LayerData, quarter_ids: list[int], warnings: list[str]
) -> UpsertCounts:
    """Replace the city's streets: nothing references them (reports keep the street name as text)."""
    deleted, _per_model = Street.objects.filter(city=city).delete()
    streets = []
    for feature in data.features:
        street = Street(
            city=city,
            name=feature.name,
            search_name=normalize_search_text(feature.name),
            official_id=feature.official_id,
            geom=feature.geom,
        )
        try:
            # city and quarter are known; validating them would cost a query per street.
            street.full_clean(exclude={"city", "quarter"}, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            raise _record_error(data=data, feature=feature, error=error) from error
        streets.append(street)
    Street.objects.bulk_create(streets, batch_size=1000)

    street_table = connection.ops.quote_name(Street._meta.db_table)
    quarter_table = connection.ops.quote_name(Quarter._meta.db_table)
    sql = f"""
        UPDATE {street_table} s
           SET quarter_id = COALESCE(
               (SELECT q.id FROM {quarter_table} q
                 WHERE q.id = ANY(%(quarter_ids)s::bigint[]) AND ST_Covers(q.geom, ST_PointOnSurface(s.geom))
                 ORDER BY q.id LIMIT 1),
               (SELECT q.id FROM {quarter_table} q
                 WHERE q.id = ANY(%(quarter_ids)s::bigint[])
                   AND ST_DWithin(q.geom::geography, ST_PointOnSurface(s.geom)::geography, %(max_distance)s)
                 ORDER BY q.geom <-> ST_PointOnSurface(s.geom), q.id LIMIT 1))
         WHERE s.city_id = %(city_id)s
    """  # noqa: S608  (only table names from model metadata are interpolated)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {"quarter_ids": quarter_ids, "max_distance": STREET_QUARTER_MAX_DISTANCE_M, "city_id": city.pk},
        )
    without_quarter = Street.objects.filter(city=city, quarter__isnull=True).count()
    if without_quarter:
        warnings.append(
            ngettext(
                "%(layer)s: %(count)d liegt außerhalb aller Stadtteile und hat keinen Stadtteil.",
                "%(layer)s: %(count)d liegen außerhalb aller Stadtteile und haben keinen Stadtteil.",
                without_quarter,
            )
            % {"layer": _layer_label(Layer.STREETS), "count": without_quarter}
        )
    return UpsertCounts(read=len(data.features), created=len(streets), deleted=deleted)


def _poi_duplicate_keys(data: _LayerData) -> list[FeatureProblem]:
    """Find places that would upsert the same record: equal OSM references."""
    problems = []
    seen: dict[tuple[str, int], _PoiFeature] = {}
    for feature in data.features:
        first = seen.setdefault((feature.osm_type, feature.osm_id), feature)
        if first is not feature:
            problems.append(
                FeatureProblem(
                    data.layer,
                    data.file_name,
                    feature.index,
                    feature.label,
                    ErrorCode.DUPLICATE_KEY,
                    _("OSM-Bezug „%(value)s“ kommt schon bei Objekt Nr. %(number)d vor")
                    % {"value": f"{feature.osm_type}/{feature.osm_id}", "number": first.index + 1},
                )
            )
    return problems


# The fields an import sets on a place; district and quarter follow from its location.
_POI_VALUE_FIELDS = ("name", "category", "address", "operator", "website", "wheelchair", "location")


def _pois_upsert(*, city: City, data: _LayerData, prune: bool, warnings: list[str]) -> UpsertCounts:
    """Create or update the city's places by OSM reference, in bulk, then locate them in PostGIS."""
    counts = UpsertCounts(read=len(data.features))
    warnings.extend(data.notes)
    existing = {(poi.osm_type, poi.osm_id): poi for poi in PointOfInterest.objects.filter(city=city)}
    created: list[PointOfInterest] = []
    changed: list[PointOfInterest] = []
    kept_ids: list[int] = []
    for feature in data.features:
        values = feature.values()
        poi = existing.get((feature.osm_type, feature.osm_id))
        if poi is not None:
            kept_ids.append(poi.pk)
            if all(_same(getattr(poi, key), value) for key, value in values.items()):
                counts.unchanged += 1
                continue
        else:
            poi = PointOfInterest(city=city, osm_type=feature.osm_type, osm_id=feature.osm_id)
        for key, value in values.items():
            setattr(poi, key, value)
        try:
            # The key is unique in the file and matched above; city, district and quarter need no query each.
            poi.full_clean(
                exclude={"city", "district", "quarter"}, validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            raise _record_error(data=data, feature=feature, error=error) from error
        (changed if poi.pk else created).append(poi)
    PointOfInterest.objects.bulk_create(created, batch_size=1000)
    if changed:
        now = timezone.now()
        for poi in changed:
            poi.updated_at = now  # bulk_update does not run auto_now
        PointOfInterest.objects.bulk_update(changed, [*_POI_VALUE_FIELDS, "updated_at"], batch_size=500)
    counts.created, counts.updated = len(created), len(changed)
    _stale_handle(
        queryset=PointOfInterest.objects.filter(city=city).exclude(
            pk__in=[*kept_ids, *(p.pk for p in created)]
        ),
        layer=Layer.POIS,
        counts=counts,
        prune=prune,
        warnings=warnings,
    )
    without_district = poi_areas_assign(city=city)
    if without_district:
        warnings.append(
            ngettext(
                "%(layer)s: %(count)d liegt außerhalb aller Ortsratsbereiche und hat keinen Ortsratsbereich.",
                "%(layer)s: %(count)d liegen außerhalb aller Ortsratsbereiche und haben keinen Ortsratsbereich.",
                without_district,
            )
            % {"layer": _layer_label(Layer.POIS), "count": without_district}
        )
    return counts


def _record_error(*, data: _LayerData, feature: Any, error: ValidationError) -> CityImportError:
    reason = "; ".join(f"{key}: {' '.join(messages)}" for key, messages in error.message_dict.items())
    problem = FeatureProblem(
        data.layer, data.file_name, feature.index, feature.label, ErrorCode.INVALID_RECORD, reason
    )
    return CityImportError(str(problem), code=ErrorCode.INVALID_RECORD)


def poi_areas_assign(*, city: City, poi_ids: list[int] | None = None) -> int:
    """Set the district and quarter of the city's places (or of ``poi_ids``) from their location, in one query.

    The rule is that of ``selectors.district_for_point`` and ``quarter_for_point``: the containing district
    (points on an edge included) that sorts first by official id, slug and id, then the first such quarter
    within that district, so that both always agree. Rows whose areas did not change are not written.
    Return how many of those places lie in no district.
    """
    poi_table = connection.ops.quote_name(PointOfInterest._meta.db_table)
    district_table = connection.ops.quote_name(District._meta.db_table)
    quarter_table = connection.ops.quote_name(Quarter._meta.db_table)
    sql = f"""
        WITH located AS (
            SELECT p.id, p.location,
                   (SELECT d.id FROM {district_table} d
                     WHERE d.city_id = p.city_id AND ST_Intersects(d.geom, p.location)
                     ORDER BY d.official_id, d.slug, d.id LIMIT 1) AS district_id
              FROM {poi_table} p
             WHERE p.city_id = %(city_id)s AND (%(every)s OR p.id = ANY(%(poi_ids)s::bigint[]))
        ), assigned AS (
            SELECT l.id, l.district_id,
                   (SELECT q.id FROM {quarter_table} q
                     WHERE q.district_id = l.district_id AND ST_Intersects(q.geom, l.location)
                     ORDER BY q.official_id, q.slug, q.id LIMIT 1) AS quarter_id
              FROM located l
        )
        UPDATE {poi_table} p
           SET district_id = a.district_id, quarter_id = a.quarter_id
          FROM assigned a
         WHERE p.id = a.id
           AND (p.district_id IS DISTINCT FROM a.district_id OR p.quarter_id IS DISTINCT FROM a.quarter_id)
    """  # noqa: S608  (only table names from model metadata are interpolated)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"city_id": city.pk, "every": poi_ids is None, "poi_ids": poi_ids or []})
    pois = PointOfInterest.objects.filter(city=city, district__isnull=True)
    if poi_ids is not None:
        pois = pois.filter(pk__in=poi_ids)
    return pois.count()


def _source_upsert(*, city: City, data: _LayerData) -> GeoDataSource:
    source = GeoDataSource.objects.filter(city=city, layer=data.layer).first() or GeoDataSource(
        city=city, layer=data.layer
    )
    _record_apply(
        instance=source,
        values={
            "attribution": data.attribution,
            "license": data.license,
            "file_name": data.file_name,
            "feature_count": len(data.features),
        },
        counts=UpsertCounts(),
        data=data,
        feature=None,
    )
    return source


def _layer_label(layer: str) -> str:
    return str(Layer(layer).label)


def _layer_message(layer: str, counts: UpsertCounts) -> str:
    return _counts_message(_layer_label(layer), counts)


def _counts_message(label: str, counts: UpsertCounts) -> str:
    return _(
        "%(label)s: %(read)d gelesen, %(created)d neu, %(updated)d geändert, %(unchanged)d unverändert"
    ) % {
        "label": label,
        "read": counts.read,
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
    }


# ---------------------------------------------------------------------------------------------------------------
# Departments


_DEPARTMENT_KEYS = {"name", "slug", "kind", "description", "email", "phone", "is_active", "is_sample"}


def _departments_read(*, path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise CityImportError(
            _("Fachbereiche: Datei %(path)s nicht gefunden.") % {"path": path}, code=ErrorCode.FILE_NOT_FOUND
        )
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise CityImportError(
            _("Fachbereiche: %(path)s ist kein gültiges JSON (%(error)s).") % {"path": path, "error": error},
            code=ErrorCode.DEPARTMENTS_INVALID,
        ) from error
    if not isinstance(entries, list):
        raise CityImportError(
            _("Fachbereiche: %(path)s muss eine JSON-Liste enthalten.") % {"path": path},
            code=ErrorCode.DEPARTMENTS_INVALID,
        )
    _departments_check(entries=entries)
    return entries


def _departments_check(*, entries: list[Any]) -> None:
    for number, entry in enumerate(entries, start=1):
        reason = None
        if not isinstance(entry, dict):
            reason = _("erwartet wird ein JSON-Objekt")
        elif unknown := sorted(set(entry) - _DEPARTMENT_KEYS):
            reason = _("unbekannte Schlüssel %(keys)s") % {"keys": ", ".join(unknown)}
        elif not all(isinstance(entry.get(key), str) and entry[key].strip() for key in ("name", "slug")):
            reason = _("„name“ und „slug“ sind Pflicht")
        if reason:
            raise CityImportError(
                _("Fachbereiche, Eintrag Nr. %(number)d: %(reason)s.") % {"number": number, "reason": reason},
                code=ErrorCode.DEPARTMENTS_INVALID,
            )


@transaction.atomic
def departments_upsert(*, entries: list[dict[str, Any]]) -> UpsertCounts:
    """Create or update departments by slug; only the keys given in an entry are set.

    Departments missing from the entries are left alone: reports and responsibilities point at them.
    """
    _departments_check(entries=entries)
    counts = UpsertCounts(read=len(entries))
    existing = {department.slug: department for department in Department.objects.all()}
    for number, entry in enumerate(entries, start=1):
        department = existing.get(entry["slug"]) or Department(slug=entry["slug"])
        is_new = department.pk is None
        values = {key: value for key, value in entry.items() if key != "slug"}
        if not is_new and all(getattr(department, key) == value for key, value in values.items()):
            counts.unchanged += 1
            continue
        for key, value in values.items():
            setattr(department, key, value)
        try:
            department.full_clean()
        except ValidationError as error:
            reason = "; ".join(f"{key}: {' '.join(messages)}" for key, messages in error.message_dict.items())
            raise CityImportError(
                _("Fachbereiche, Eintrag Nr. %(number)d („%(slug)s“): %(reason)s.")
                % {"number": number, "slug": entry["slug"], "reason": reason},
                code=ErrorCode.DEPARTMENTS_INVALID,
            ) from error
        department.save()
        existing[department.slug] = department
        if is_new:
            counts.created += 1
        else:
            counts.updated += 1
    return counts
