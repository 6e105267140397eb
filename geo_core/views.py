from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from geo_core.navigation import AREAS, area_by_slug


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "geo_core/home.html", {"areas": AREAS})


def area(request: HttpRequest, slug: str) -> HttpResponse:
    """Describe an area of the platform that is still being built, and say so plainly."""
    found = area_by_slug(slug)
    if found is None:
        raise Http404
    return render(request, "geo_core/area.html", {"area": found})
