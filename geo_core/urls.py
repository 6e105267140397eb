"""Root URLs. German pages live at the root, English ones under /en/."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

api_patterns = [
    path("", include("districts.api.urls")),
    path("", include("maps.api.urls")),
    path("", include("defects.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_patterns, "api"))),
]

urlpatterns += i18n_patterns(
    path("", include("geo_core.urls_pages")),
    path("konto/", include("allauth.urls")),
    path("mein-bereich/", include("geo_core.accounts.urls")),
    path("karte/", include("maps.urls")),
    path("stadtgebiet/", include("districts.urls")),
    path("maengelmelder/", include("defects.urls")),
    path("arbeitsbereich/", include("defects.urls_workspace")),
    path("auswertung/", include("defects.urls_statistics")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
