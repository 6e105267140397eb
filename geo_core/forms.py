"""Form bases shared by the apps."""

from __future__ import annotations

from django import forms
from django.http import QueryDict


class QueryFilterForm(forms.Form):
    """A GET filter form: always bound (an empty query is a valid query: no filter), optionally reduced.

    ``fields`` keeps only the named filters (e.g. a map layer that shows the districts itself needs no district
    filter); ``prefix`` names the fields ``<prefix>-<field>`` where several layers' filters share one page.
    """

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        fields: tuple[str, ...] | None = None,
        prefix: str | None = None,
    ) -> None:
        super().__init__(data if data is not None else QueryDict(), prefix=prefix)
        if fields is not None:
            for name in list(self.fields):
                if name not in fields:
                    del self.fields[name]
