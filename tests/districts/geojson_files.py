"""Writing small GeoJSON files for import tests."""

import json
from pathlib import Path

Bbox = tuple[float, float, float, float]


def ring(bbox: Bbox) -> list[list[float]]:
    xmin, ymin, xmax, ymax = bbox
    return [[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax], [xmin, ymin]]


def polygon(bbox: Bbox) -> dict:
    return {"type": "Polygon", "coordinates": [ring(bbox)]}


def feature(geometry: dict | None, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write_collection(path: Path, features: list[dict], *, crs: str | None = None, **members) -> Path:
    collection = {"type": "FeatureCollection", "attribution": "Testdaten", "license": "CC0-1.0", **members}
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    collection["features"] = features
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path
