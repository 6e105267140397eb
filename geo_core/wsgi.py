"""WSGI entry point for the platform."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_core.settings")

application = get_wsgi_application()
