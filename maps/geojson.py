"""Database expressions for GeoJSON built in PostGIS, with the values DRF and DRF-GIS would give.

A layer that builds its features in the database (``MapLayer.feature_properties``) describes its properties
with these, so that its answer is the same whether PostGIS or the layer's serializer wrote it.
"""

from __future__ import annotations

import re

from django.db.models import CharField, Func, TextField

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class JsonBuildObject(Func):
    """PostgreSQL ``json_build_object`` of ``name=expression`` pairs, keeping their order (``jsonb`` would not).

    The names are identifiers from code, written into the SQL as literals: a parameter and a cast per key
    would cost more to build than the page's query takes to run.
    """

    output_field = TextField()

    def __init__(self, **properties) -> None:
        for name in properties:
            if not _KEY.fullmatch(name):
                raise ValueError(f"not a property name: {name!r}")
        self.names = tuple(properties)
        super().__init__(*properties.values())

    def as_sql(self, compiler, connection, **extra_context):
        pairs, params = [], []
        for name, expression in zip(self.names, self.get_source_expressions(), strict=True):
            sql, expression_params = compiler.compile(expression)
            pairs.append(f"'{name}'::text, {sql}")
            params += expression_params
        return f"json_build_object({', '.join(pairs)})", params


class IsoDateTime(Func):
    """A ``timestamptz`` as DRF's ``DateTimeField`` writes it: ISO 8601 in time zone ``tz_name``.

    As Python's ``isoformat()``: microseconds only if there are any, the offset as ``+02:00`` (``Z`` for UTC, as
    DRF writes it); NULL stays NULL.
    """

    output_field = CharField()

    def __init__(self, expression, *, tz_name: str) -> None:
        super().__init__(expression)
        self.tz_name = tz_name

    def as_sql(self, compiler, connection, **extra_context):
        value, value_params = compiler.compile(self.get_source_expressions()[0])
        local = (f"(({value}) AT TIME ZONE %s)", [*value_params, self.tz_name])
        offset = (f"({local[0]} - (({value}) AT TIME ZONE 'UTC'))", [*local[1], *value_params])
        parts = [
            "(to_char(", local, ", 'YYYY-MM-DD\"T\"HH24:MI:SS')",
            " || CASE WHEN to_char(", local, ", 'US') = '000000' THEN '' ELSE to_char(", local, ", '.US') END",
            " || CASE WHEN ", offset, " = interval '0' THEN 'Z'",
            " WHEN ", offset, " < interval '0' THEN '-' || to_char(-", offset, ", 'HH24:MI')",
            " ELSE '+' || to_char(", offset, ", 'HH24:MI') END)",
        ]  # fmt: skip
        sql, params = "", []
        for part in parts:
            if isinstance(part, str):
                sql += part
            else:
                sql += part[0]
                params += part[1]
        return sql, params
