from django.conf import settings
from django.http import HttpRequest

from geo_core.navigation import AREAS


def platform(request: HttpRequest) -> dict[str, object]:
    """Give every page the navigation and the platform's name."""
    return {
        "platform_areas": AREAS,
        "platform_name": settings.PLATFORM_NAME,
    }
