"""ASGI entry point for the platform."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_core.settings")

application = get_asgi_application()
