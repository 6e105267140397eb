"""The Mängelmelder API: categories, public reports as GeoJSON, and creating a report.

Views only parse the request, call ``defects.selectors`` / ``defects.services`` and serialise. Creating a report
goes through ``defects.services.report_create``, the same path as the web form, so the rules cannot drift; the
service's ``FieldError``s leave as 400s in the one error shape of drf-standardized-errors.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi import AutoSchema
from drf_standardized_errors.openapi_utils import (
    get_flat_serializer_fields,
    get_serializer_fields_with_error_codes,
)
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import generics, status
from rest_framework.exceptions import APIException, ErrorDetail, ParseError, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from defects import selectors, services
from defects.api.serializers import (
    CategorySerializer,
    ReportCreatedSerializer,
    ReportCreateFormSerializer,
    ReportCreateInputSerializer,
    ReportDetailSerializer,
    ReportFeatureSerializer,
    RequestTooLargeResponseSerializer,
)
from defects.errors import ReportErrorCode, ReportValidationError
from defects.filters import PUBLIC_STATUSES, ReportFilterErrorCode
from defects.models import MAX_PHOTOS_PER_REPORT, Category, Report, ReportStatus
from districts.selectors import district_list
from geo_core.api import (
    BBOX_ERROR_CODES,
    BBOX_PARAMETER,
    GeoJsonPagination,
    PublicReadOnlyMixin,
    bbox_from_query,
)
from geo_core.parsing import GeoInputErrorCode

# Used when settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] names no rate for the scope.
DEFAULT_REPORT_CREATE_RATE = "30/hour"
REPORT_CREATE_THROTTLE_SCOPE = "report_create"

# --- parsing of the list filters ---------------------------------------------------------------------------------


def _query_list(request: Request, name: str) -> list[str]:
    """Return the values of a repeatable, comma-separated query parameter, without blanks and repeats."""
    values: list[str] = []
    for raw in request.query_params.getlist(name):
        for part in raw.split(","):
            part = part.strip()
            if part and part not in values:
                values.append(part)
    return values


def _query_date(request: Request, name: str, errors: dict) -> datetime.date | None:
    raw = (request.query_params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        errors[name] = [
            ErrorDetail(
                gettext("„%(value)s“ ist kein Datum der Form JJJJ-MM-TT.") % {"value": raw[:40]},
                code=ReportFilterErrorCode.INVALID_DATE,
            )
        ]
        return None


def _category_ids(slugs: list[str]) -> dict[str, int]:
    # Inactive categories are allowed: their reports stay public.
    return dict(Category.objects.filter(slug__in=slugs).values_list("slug", "pk"))


def report_filters_from_query(request: Request) -> dict:
    """Return the keyword arguments of ``report_public_list`` from the query, or raise one 400 with every error."""
    errors: dict[str, list[ErrorDetail]] = {}
    try:
        bbox = bbox_from_query(request)
    except ValidationError as exc:
        errors.update(exc.detail)
        bbox = None

    category_ids = None
    slugs = _query_list(request, "category")
    if slugs:
        known = _category_ids(slugs)
        unknown = [slug for slug in slugs if slug not in known]
        if unknown:
            errors["category"] = [
                ErrorDetail(
                    gettext("Unbekannte Kategorie „%(slug)s“.") % {"slug": slug[:50]},
                    code=ReportFilterErrorCode.UNKNOWN_CATEGORY,
                )
                for slug in unknown
            ]
        category_ids = list(known.values())

    statuses = _query_list(request, "status") or None
    if statuses:
        unknown = [value for value in statuses if value not in PUBLIC_STATUSES]
        if unknown:
            errors["status"] = [
                ErrorDetail(
                    gettext("Unbekannter Status „%(status)s“.") % {"status": value[:30]},
                    code=ReportFilterErrorCode.UNKNOWN_STATUS,
                )
                for value in unknown
            ]

    district_slug = (request.query_params.get("district") or "").strip() or None
    if district_slug and not district_list().filter(slug=district_slug).exists():
        errors["district"] = [
            ErrorDetail(
                gettext("Unbekannter Ortsratsbereich „%(slug)s“.") % {"slug": district_slug[:50]},
                code=ReportFilterErrorCode.UNKNOWN_DISTRICT,
            )
        ]

    date_from = _query_date(request, "created_from", errors)
    date_to = _query_date(request, "created_to", errors)
    if date_from and date_to and date_from > date_to:
        errors["created_to"] = [
            ErrorDetail(
                gettext("Das Enddatum liegt vor dem Anfangsdatum."),
                code=ReportFilterErrorCode.DATE_RANGE_INVERTED,
            )
        ]

    if errors:
        raise ValidationError(errors)
    return {
        "category_ids": category_ids,
        "statuses": statuses,
        "district_slug": district_slug,
        "date_from": date_from,
        "date_to": date_to,
        "bbox": bbox,
    }


# --- parsing of a new report -----------------------------------------------------------------------------------


def _is_form(request: Request) -> bool:
    return (request.content_type or "").startswith("multipart/")


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("Die Anfrage ist zu groß.")
    default_code = "request_too_large"


def report_upload_max_bytes() -> int:
    """Return the largest body a new report may have: five photos at their limit plus the form fields."""
    return MAX_PHOTOS_PER_REPORT * settings.REPORT_PHOTO_MAX_BYTES + (
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    )


def _content_length(request: Request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _request_body(request: Request):
    """Return the parsed body (without the files); Django's upload limits become errors in the one shape.

    Django limits the form fields and JSON (DATA_UPLOAD_MAX_MEMORY_SIZE) and the number of files
    (DATA_UPLOAD_MAX_NUMBER_FILES) but not the size of the files together: a body larger than five photos at
    their limit is refused before it is read, instead of being spooled to disk first.
    """
    if _content_length(request) > report_upload_max_bytes():
        raise RequestTooLarge()
    try:
        return request.POST if _is_form(request) else request.data
    except RequestDataTooBig:
        raise RequestTooLarge() from None
    except TooManyFilesSent:
        raise ValidationError(
            {
                "photos": [
                    ErrorDetail(
                        gettext("Bitte wählen Sie höchstens %(max)s Fotos.") % {"max": MAX_PHOTOS_PER_REPORT},
                        code=ReportErrorCode.TOO_MANY_PHOTOS,
                    )
                ]
            }
        ) from None
    except TooManyFieldsSent:
        raise ParseError(gettext("Die Anfrage enthält zu viele Felder.")) from None


def report_create_arguments(request: Request) -> dict:
    """Return the keyword arguments of ``report_create`` from a JSON or multipart body.

    Only types are checked here (an object where an object belongs, a UUID, a boolean); what the values must be
    is decided by the service.
    """
    data = _request_body(request)
    if _is_form(request):
        # The form fields without the files: those go to the service as they came.
        body = ReportCreateFormSerializer(data=data)
        photos = request.FILES.getlist("photos")
    else:
        body = ReportCreateInputSerializer(data=data)
        photos = []
    body.is_valid(raise_exception=True)
    data = body.validated_data
    reporter = data.get("reporter") or {}
    return {
        "category_id": data.get("category") or None,
        "lon": data.get("lon"),
        "lat": data.get("lat"),
        "description": data.get("description") or "",
        "answers": data.get("answers") or {},
        "photos": photos,
        "reporter_name": reporter.get("name") or "",
        "reporter_email": reporter.get("email") or "",
        "reporter_phone": reporter.get("phone") or "",
        "privacy_consent": bool(data.get("privacy_consent")),
        "submission_key": data.get("submission_key"),
    }


# The service names the reporter's arguments; the request bodies name them by their path ("reporter.email").
REPORTER_FIELDS = {
    "reporter_name": "reporter.name",
    "reporter_email": "reporter.email",
    "reporter_phone": "reporter.phone",
}


def report_validation_error(exc: ReportValidationError) -> ValidationError:
    """Return the service's field errors as one DRF validation error: each keeps its code, its field is the attr.

    The attr is the service's field name (``category``, ``lon``, ``location``, ``answers.<key>``, ``photos`` …),
    except for the reporter's fields, named as in the request (``reporter.email``).
    """
    detail: dict[str, list[ErrorDetail]] = {}
    for error in exc.errors:
        field = error.field or api_settings.NON_FIELD_ERRORS_KEY
        field = REPORTER_FIELDS.get(field, field)
        detail.setdefault(field, []).append(ErrorDetail(str(error.message), code=str(error.code)))
    return ValidationError(detail)


class ReportCreateThrottle(ScopedRateThrottle):
    """Limit new reports per client; GET requests to the same URL are not counted."""

    def allow_request(self, request, view) -> bool:
        if request.method != "POST":
            return True
        return super().allow_request(request, view)

    def get_rate(self) -> str | None:
        # DRF binds THROTTLE_RATES at import; read the setting at call time so that a changed setting applies.
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        return rates.get(self.scope) or DEFAULT_REPORT_CREATE_RATE


# --- views -------------------------------------------------------------------------------------------------------


@extend_schema(tags=["defects"])
class CategoryListView(PublicReadOnlyMixin, generics.ListAPIView):
    serializer_class = CategorySerializer
    # A short configuration list that a form needs whole.
    pagination_class = None

    @extend_schema(
        operation_id="defect_categories_list",
        summary="Categories of the Mängelmelder",
        description="The active categories a report can be filed under, in form order, each with its group, "
        "symbol, description, the radius (m) in which similar open reports are shown, the target time in "
        "working days and the extra questions it asks (`key` is the name of the answer in `answers` of a new "
        "report). Not paginated.",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Category]:
        return selectors.category_list_active()


REPORT_LIST_PARAMETERS = [
    BBOX_PARAMETER,
    OpenApiParameter(
        name="district",
        type=OpenApiTypes.STR,
        location=OpenApiParameter.QUERY,
        description="Slug of a district (see `GET /districts/`): only its reports.",
    ),
    OpenApiParameter(
        name="category",
        type={"type": "array", "items": {"type": "string"}},
        location=OpenApiParameter.QUERY,
        explode=True,
        description="Slug of a category; repeat the parameter or separate slugs by commas for several.",
    ),
    OpenApiParameter(
        name="status",
        type={"type": "array", "items": {"type": "string", "enum": list(PUBLIC_STATUSES)}},
        location=OpenApiParameter.QUERY,
        explode=True,
        description="Status; repeat the parameter or separate values by commas for several.",
    ),
    OpenApiParameter(
        name="created_from",
        type=OpenApiTypes.DATE,
        location=OpenApiParameter.QUERY,
        description="Only reports created on or after this day (Europe/Berlin), e.g. `2025-05-01`.",
    ),
    OpenApiParameter(
        name="created_to",
        type=OpenApiTypes.DATE,
        location=OpenApiParameter.QUERY,
        description="Only reports created on or before this day (Europe/Berlin), inclusive.",
    ),
    OpenApiParameter("page", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Page number."),
    OpenApiParameter(
        "page_size", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Features per page, at most 100."
    ),
]

REPORT_FEATURE_EXAMPLE = {
    "id": 42,
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": [10.786123, 52.421456]},
    "properties": {
        "category": "schlagloch",
        "category_name": "Schlagloch",
        "status": "open",
        "status_label": "offen",
        "district": "stadtmitte",
        "district_name": "Stadtmitte",
        "quarter_name": "Stadtmitte",
        "address_label": "Porschestraße",
        "description": "Tiefes Schlagloch vor Hausnummer 12.",
        "created_at": "2025-05-02T09:14:03.512000+02:00",
        "updated_at": "2025-05-02T09:20:11.104000+02:00",
        "confirmed_at": "2025-05-02T09:20:11.100000+02:00",
        "resolved_at": None,
        "photo_count": 1,
        "supporters_count": None,
        "url": "https://example.org/maengelmelder/meldungen/42/",
    },
}

_REPORTER_CODES = {
    "email": [ReportErrorCode.EMAIL_REQUIRED, ReportErrorCode.EMAIL_INVALID],
    "name": [ReportErrorCode.NAME_TOO_LONG],
    "phone": [ReportErrorCode.PHONE_INVALID],
}
# The codes of each field of a new report, as the service sends them. Answers are named ``answers.<key>``; the
# schema can only list them under ``answers``.
CREATE_ERROR_CODES = {
    "category": [ReportErrorCode.UNKNOWN_CATEGORY, ReportErrorCode.INACTIVE_CATEGORY],
    "lon": [
        GeoInputErrorCode.MISSING,
        GeoInputErrorCode.NOT_A_NUMBER,
        GeoInputErrorCode.NOT_FINITE,
        GeoInputErrorCode.OUT_OF_RANGE,
    ],
    "lat": [
        GeoInputErrorCode.MISSING,
        GeoInputErrorCode.NOT_A_NUMBER,
        GeoInputErrorCode.NOT_FINITE,
        GeoInputErrorCode.OUT_OF_RANGE,
    ],
    "location": [GeoInputErrorCode.SWAPPED, GeoInputErrorCode.OUTSIDE_AREA],
    "description": [ReportErrorCode.DESCRIPTION_TOO_LONG],
    "answers": [
        ReportErrorCode.ANSWER_REQUIRED,
        ReportErrorCode.ANSWER_INVALID,
        ReportErrorCode.UNKNOWN_QUESTION,
    ],
    "photos": [
        ReportErrorCode.TOO_MANY_PHOTOS,
        ReportErrorCode.PHOTO_TOO_LARGE,
        ReportErrorCode.PHOTO_NOT_IMAGE,
        ReportErrorCode.PHOTO_CORRUPT,
        ReportErrorCode.PHOTO_TOO_MANY_PIXELS,
        ReportErrorCode.PHOTO_UNSUPPORTED_FORMAT,
    ],
    "privacy_consent": [ReportErrorCode.CONSENT_REQUIRED],
    "submission_key": [ReportErrorCode.SUBMISSION_KEY_INVALID],
    **{f"reporter.{name}": codes for name, codes in _REPORTER_CODES.items()},
}


def _with_create_errors(view_class):
    """Declare the codes each field of a new report can fail with, for the OpenAPI schema."""
    for field, codes in CREATE_ERROR_CODES.items():
        view_class = extend_validation_errors(
            [str(code) for code in codes], field_name=field, methods=["post"]
        )(view_class)
    return view_class


class ReportListCreateSchema(AutoSchema):
    """Document the validation errors of both request bodies of ``POST /reports/`` (JSON and multipart)."""

    def _determine_fields_with_error_codes(self):
        # drf-standardized-errors expects one request serializer; this operation has one per media type.
        if self.method == "POST":
            fields = get_flat_serializer_fields([ReportCreateInputSerializer(), ReportCreateFormSerializer()])
            # Photos are not validated by the serializer (their codes are the service's, declared below).
            fields = [field for field in fields if not field.name.startswith("photos")]
            return get_serializer_fields_with_error_codes(fields)
        return super()._determine_fields_with_error_codes()


@extend_schema(tags=["defects"])
@extend_validation_errors(BBOX_ERROR_CODES, field_name="bbox", methods=["get"])
@extend_validation_errors([ReportFilterErrorCode.UNKNOWN_CATEGORY], field_name="category", methods=["get"])
@extend_validation_errors([ReportFilterErrorCode.UNKNOWN_STATUS], field_name="status", methods=["get"])
@extend_validation_errors([ReportFilterErrorCode.UNKNOWN_DISTRICT], field_name="district", methods=["get"])
@extend_validation_errors([ReportFilterErrorCode.INVALID_DATE], field_name="created_from", methods=["get"])
@extend_validation_errors(
    [ReportFilterErrorCode.INVALID_DATE, ReportFilterErrorCode.DATE_RANGE_INVERTED],
    field_name="created_to",
    methods=["get"],
)
@_with_create_errors
class ReportListCreateView(generics.GenericAPIView):
    """Public reports as GeoJSON (GET), and a new report from anyone (POST)."""

    # Public and anonymous: no session, hence no CSRF; abuse is limited by the throttle and the e-mail
    # confirmation (a report is public only once confirmed).
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, MultiPartParser]
    throttle_classes = [ReportCreateThrottle]
    throttle_scope = REPORT_CREATE_THROTTLE_SCOPE
    serializer_class = ReportFeatureSerializer
    pagination_class = GeoJsonPagination
    http_method_names = ["get", "post", "head", "options"]
    schema = ReportListCreateSchema()

    def get_throttles(self):
        # Only creating is limited (and documented as such in the schema).
        if self.request is not None and self.request.method == "POST":
            return super().get_throttles()
        return []

    @extend_schema(
        operation_id="defect_reports_list",
        summary="Public reports as GeoJSON",
        description="Confirmed, not withdrawn reports as a paginated GeoJSON FeatureCollection (`count`, "
        "`next`, `previous`, `features`), newest first. Filters combine with AND; several values of one filter "
        "with OR. A bad filter value gives 400 with a stable `code` and the parameter in `attr`: bbox codes, "
        "`unknown_category`, `unknown_status`, `unknown_district`, `invalid_date`, `date_range_inverted`. "
        "No personal data of the reporter is ever included.",
        parameters=REPORT_LIST_PARAMETERS,
        responses={
            200: OpenApiResponse(
                ReportFeatureSerializer(many=True),
                description="A GeoJSON FeatureCollection of public reports.",
            )
        },
    )
    def get(self, request: Request) -> Response:
        reports = selectors.report_public_list(**report_filters_from_query(request))
        paginator = self.paginator
        page = paginator.paginate_queryset(reports, request, view=self)
        serializer = ReportFeatureSerializer(page, many=True, context=self.get_serializer_context())
        return paginator.get_paginated_response(serializer.data)

    @extend_schema(
        operation_id="defect_reports_create",
        summary="Report a defect",
        description="Creates a report, as the web form does: as JSON, or as multipart/form-data (the same "
        "fields flat — the reporter as `reporter.name`, `reporter.email`, `reporter.phone`, `answers` as a "
        "JSON string — with up to five `photos`). No login is needed. The report becomes public only after "
        "the reporter confirms it through the link sent to `reporter.email`. Sending the same "
        "`submission_key` again returns the first report with 200 instead of creating another. Every invalid "
        "field gives a 400 error with a stable `code` and the field in `attr`; nothing is saved. Photos are "
        "re-encoded and stripped of all metadata (including GPS). Limited per client (429 when exceeded).",
        request={
            "application/json": ReportCreateInputSerializer,
            "multipart/form-data": ReportCreateFormSerializer,
        },
        responses={
            201: OpenApiResponse(
                ReportCreatedSerializer, description="Created; awaiting e-mail confirmation."
            ),
            200: OpenApiResponse(
                ReportCreatedSerializer, description="Already created with this `submission_key`."
            ),
            413: OpenApiResponse(
                RequestTooLargeResponseSerializer,
                description="The body is larger than five photos at their size limit plus the form fields "
                "(code `request_too_large`).",
            ),
        },
        examples=[
            OpenApiExample(
                "New report (JSON)",
                value={
                    "category": "schlagloch",
                    "lon": 10.786123,
                    "lat": 52.421456,
                    "description": "Tiefes Schlagloch vor Hausnummer 12.",
                    "answers": {"fahrbahn": True},
                    "reporter": {"name": "Erika Mustermann", "email": "erika@example.org", "phone": ""},
                    "privacy_consent": True,
                    "submission_key": "7b0e2c9e-5d0c-4c3e-9a43-6a3b7f2d1c11",
                },
                request_only=True,
                media_type="application/json",
            ),
            OpenApiExample(
                "Created",
                value={
                    "id": 42,
                    "status": "unconfirmed",
                    "message": "Bitte bestätigen Sie Ihre Meldung über den Link in der E-Mail.",
                },
                response_only=True,
                status_codes=["201", "200"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        arguments = report_create_arguments(request)
        try:
            result = services.report_create(**arguments)
        except ReportValidationError as exc:
            raise report_validation_error(exc) from None
        report = result.report
        body = ReportCreatedSerializer(
            {"id": report.pk, "status": report.status, "message": str(_created_message(report))}
        ).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


def _created_message(report: Report):
    if report.status == ReportStatus.UNCONFIRMED:
        return _("Bitte bestätigen Sie Ihre Meldung über den Link in der E-Mail.")
    return _("Diese Meldung ist bereits bestätigt.")


@extend_schema(tags=["defects"])
class ReportDetailView(PublicReadOnlyMixin, generics.GenericAPIView):
    serializer_class = ReportDetailSerializer

    @extend_schema(
        operation_id="defect_reports_retrieve",
        summary="One public report",
        description="One confirmed, not withdrawn report as a GeoJSON Feature with its public history (status "
        "changes and the city's public messages) and the URLs of its public photos. Unconfirmed, withdrawn or "
        "unknown reports give 404.",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Report id.")
        ],
        examples=[
            OpenApiExample(
                "A report in progress",
                value={
                    **REPORT_FEATURE_EXAMPLE,
                    "properties": {
                        **REPORT_FEATURE_EXAMPLE["properties"],
                        "status": "in_progress",
                        "status_label": "in Bearbeitung",
                        "photos": [
                            {
                                "url": "https://example.org/media/reports/2025/05/3f9c0d2e.jpg",
                                "width": 2048,
                                "height": 1536,
                                "kind": "report",
                            }
                        ],
                        "history": [
                            {
                                "created_at": "2025-05-02T09:14:03.512000+02:00",
                                "kind": "created",
                                "kind_label": "gemeldet",
                                "status_label": "",
                                "public_message": "",
                            },
                            {
                                "created_at": "2025-05-05T11:02:44.000000+02:00",
                                "kind": "status_changed",
                                "kind_label": "Status geändert",
                                "status_label": "in Bearbeitung",
                                "public_message": "Die Reparatur ist für nächste Woche geplant.",
                            },
                        ],
                    },
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, id: int) -> Response:
        report = selectors.report_get_public(report_id=id)
        if report is None:
            raise Http404
        return Response(ReportDetailSerializer(report, context=self.get_serializer_context()).data)
