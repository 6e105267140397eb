"""The department workspace API: a staff member's queue, a report's internal view, and the actions on it.

For back-office systems and the city's app: token authentication (``Authorization: Token <key>``, tokens are
created in the admin under "Auth Token") or the web session. Views only parse, authorise and serialise: the
queue is ``workspace_selectors.queue_for_user`` (the same filters as the web queue, parsed by the same form),
every action is the one ``workspace_services`` call the web workspace makes, so permissions and events cannot
drift. Permissions are the django-rules of ``defects/rules.py``.

Errors keep the one shape of drf-standardized-errors: 401 without credentials, 403 ``forbidden`` for an action
the user may not take, 404 for a report the user may not see, 409 ``conflict`` when the report changed since the
``version`` the client sent, 400 with a stable ``code`` per field otherwise.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from functools import cached_property
from typing import Any

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import generics, serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import APIException, ErrorDetail, NotFound, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

from defects import workspace_selectors, workspace_services
from defects.errors import ReportActionError, ReportErrorCode, ReportValidationError
from defects.forms_workspace import QueueFilterForm
from defects.models import Priority, Report, ReportPhoto, ReportStatus
from defects.workspace_services import WorkspaceErrorCode
from districts.models import Department

FORBIDDEN = WorkspaceErrorCode.FORBIDDEN.value
CONFLICT = WorkspaceErrorCode.CONFLICT.value
NOT_FOUND = WorkspaceErrorCode.NOT_FOUND.value
QUEUE_DEFAULT_LIMIT = 50
BULK_MAX_REPORTS = 200
QUEUE_STATUSES = [value for value in ReportStatus.values if value != ReportStatus.UNCONFIRMED]


# --- errors and permissions --------------------------------------------------------------------------------------


class Forbidden(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = _("Sie dürfen diese Meldung nicht bearbeiten.")
    default_code = FORBIDDEN


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Die Meldung wurde inzwischen von jemand anderem geändert. Bitte laden Sie sie neu.")
    default_code = CONFLICT


class CanViewQueue(BasePermission):
    """The workspace is for department staff, planners, moderators and administrators (``defects.view_queue``)."""

    message = _("Sie haben keinen Zugang zum Arbeitsbereich der Fachbereiche.")
    code = FORBIDDEN

    def has_permission(self, request, view) -> bool:
        return request.user.has_perm("defects.view_queue")


def _action_error(exc: ReportActionError) -> APIException:
    """Return the service's refusal as an API error: 403 ``forbidden``, 409 ``conflict``, else 400 with its code."""
    if exc.code == FORBIDDEN:
        return Forbidden(str(exc.message))
    if exc.code == CONFLICT:
        return Conflict(str(exc.message))
    if exc.code == NOT_FOUND:
        return NotFound(str(exc.message))
    field = exc.field or api_settings.NON_FIELD_ERRORS_KEY
    return ValidationError({field: [ErrorDetail(str(exc.message), code=str(exc.code))]})


def _validation_error(exc: ReportValidationError) -> ValidationError:
    detail: dict[str, list[ErrorDetail]] = {}
    for error in exc.errors:
        field = error.field or api_settings.NON_FIELD_ERRORS_KEY
        detail.setdefault(field, []).append(ErrorDetail(str(error.message), code=str(error.code)))
    return ValidationError(detail)


class ConflictErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="`conflict`")
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ConflictResponseSerializer(serializers.Serializer):
    """409, in the shape of drf-standardized-errors."""

    type = serializers.CharField(help_text="`client_error`")
    errors = ConflictErrorSerializer(many=True)


CONFLICT_RESPONSE = OpenApiResponse(
    ConflictResponseSerializer,
    description="The report was changed since `version` (code `conflict`): reload it and try again.",
)


# --- output ------------------------------------------------------------------------------------------------------


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class WorkspaceReportSerializer(serializers.ModelSerializer):
    """A report as staff see it in the queue: public fields plus the department's work on it. No reporter data."""

    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    status_label = serializers.SerializerMethodField()
    priority_label = serializers.SerializerMethodField()
    department_name = serializers.CharField(source="department.name", read_only=True)
    district = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    district_name = serializers.CharField(source="district.name", read_only=True)
    quarter_name = serializers.SerializerMethodField()
    assignee = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    lon = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "version",
            "category",
            "category_name",
            "status",
            "status_label",
            "priority",
            "priority_label",
            "department",
            "department_name",
            "needs_triage",
            "assignee",
            "accepted_at",
            "due_date",
            "overdue",
            "district",
            "district_name",
            "quarter_name",
            "address_label",
            "lon",
            "lat",
            "description",
            "created_at",
            "updated_at",
            "confirmed_at",
            "resolved_at",
        ]
        read_only_fields = fields

    # The labels once per answer, not per row: get_FOO_display() hashes every lazy choice label (translating
    # each) for each call, two thirds of the time of a queue page of 50 reports.
    @cached_property
    def _status_labels(self) -> dict[str, str]:
        return {value: str(label) for value, label in ReportStatus.choices}

    @cached_property
    def _priority_labels(self) -> dict[str, str]:
        return {value: str(label) for value, label in Priority.choices}

    @extend_schema_field(OpenApiTypes.STR)
    def get_status_label(self, report: Report) -> str:
        return self._status_labels.get(report.status, report.status)

    @extend_schema_field(OpenApiTypes.STR)
    def get_priority_label(self, report: Report) -> str:
        return self._priority_labels.get(report.priority, report.priority)

    @extend_schema_field(OpenApiTypes.STR)
    def get_quarter_name(self, report: Report) -> str:
        return report.quarter.name if report.quarter_id else ""

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_assignee(self, report: Report) -> dict | None:
        return _person(report.assignee)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, report: Report) -> bool:
        if hasattr(report, "is_overdue"):
            return bool(report.is_overdue)
        return workspace_selectors.report_is_overdue(report)

    @extend_schema_field(OpenApiTypes.DOUBLE)
    def get_lon(self, report: Report) -> float:
        return round(report.location.x, 6)

    @extend_schema_field(OpenApiTypes.DOUBLE)
    def get_lat(self, report: Report) -> float:
        return round(report.location.y, 6)


class InternalEventSerializer(serializers.Serializer):
    """One entry of the internal history: who did what, when, with the public and the internal text."""

    created_at = serializers.DateTimeField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    actor_name = serializers.CharField()
    from_status_label = serializers.CharField()
    to_status_label = serializers.CharField()
    from_department = serializers.CharField()
    to_department = serializers.CharField()
    public_message = serializers.CharField()
    internal_note = serializers.CharField()
    is_public = serializers.BooleanField(help_text="Shown on the citizen's page (without the internal note).")


class WorkspacePhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    kind = serializers.CharField(help_text="`report` (by the reporter) or `after` (after the repair).")

    class Meta:
        model = ReportPhoto
        fields = ["url", "width", "height", "kind", "is_public"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, photo: ReportPhoto) -> str:
        request = self.context.get("request")
        url = photo.image.url
        return request.build_absolute_uri(url) if request is not None else url


class WorkspaceReportDetailSerializer(WorkspaceReportSerializer):
    """A report with everything staff may see: answers, routing, photos and the internal history."""

    duplicate_of = serializers.PrimaryKeyRelatedField(read_only=True)
    photos = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta(WorkspaceReportSerializer.Meta):
        fields = [
            *WorkspaceReportSerializer.Meta.fields,
            "answers",
            "routing_reason",
            "duplicate_of",
            "closed_at",
            "withdrawn_at",
            "photos",
            "history",
        ]
        read_only_fields = fields

    @extend_schema_field(WorkspacePhotoSerializer(many=True))
    def get_photos(self, report: Report) -> list[dict]:
        photos = ReportPhoto.objects.filter(report=report).order_by("position", "pk")
        return WorkspacePhotoSerializer(photos, many=True, context=self.context).data

    @extend_schema_field(InternalEventSerializer(many=True))
    def get_history(self, report: Report) -> list[dict]:
        history = workspace_selectors.report_internal_history(report=report)
        return InternalEventSerializer([asdict(event) for event in history], many=True).data


class QueuePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page, or null on the last page.")
    next_cursor = serializers.CharField(allow_null=True)
    counts_by_status = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Reports per status in the filtered queue, ignoring the `status` filter.",
    )
    results = WorkspaceReportSerializer(many=True)


# --- input -------------------------------------------------------------------------------------------------------


class VersionInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The report's `version` as the client last read it; a stale one gives 409."
    )


class ReasonInputSerializer(VersionInputSerializer):
    reason = serializers.CharField(allow_blank=True, help_text="Internal reason, kept in the history.")


class ForwardInputSerializer(ReasonInputSerializer):
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.filter(is_active=True), help_text="Id of the department to forward to."
    )


class AssignInputSerializer(VersionInputSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        allow_null=True,
        help_text="User id of the new assignee; null to unassign.",
    )


class PriorityInputSerializer(VersionInputSerializer):
    priority = serializers.ChoiceField(choices=Priority.choices)


class StatusInputSerializer(VersionInputSerializer):
    to_status = serializers.ChoiceField(choices=[(value, value) for value in QUEUE_STATUSES])
    public_message = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Shown on the report's public page and mailed to the reporter and supporters.",
    )
    internal_note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Only for staff."
    )
    duplicate_of = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None, help_text="For `duplicate`: the original."
    )


class NoteInputSerializer(VersionInputSerializer):
    internal_note = serializers.CharField(allow_blank=True)


class AfterPhotoInputSerializer(VersionInputSerializer):
    # A plain file: whether it is a usable image is the service's decision (codes ``photo_*``).
    photo = serializers.FileField(help_text="The photo after the repair (JPEG, PNG, WebP, HEIC).")


class BulkIdsInputSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=BULK_MAX_REPORTS
    )


class BulkAssignInputSerializer(BulkIdsInputSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), allow_null=True
    )


class BulkStatusInputSerializer(BulkIdsInputSerializer):
    to_status = serializers.ChoiceField(choices=[(value, value) for value in QUEUE_STATUSES])
    public_message = serializers.CharField(required=False, allow_blank=True, default="")


class BulkResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ok = serializers.BooleanField()
    version = serializers.IntegerField(allow_null=True, help_text="The new version, if changed.")
    code = serializers.CharField(allow_null=True, help_text="Error code if not changed (e.g. `forbidden`).")
    detail = serializers.CharField(allow_null=True)


class BulkResponseSerializer(serializers.Serializer):
    results = BulkResultSerializer(many=True)


# --- views -------------------------------------------------------------------------------------------------------


class WorkspaceAPIView(generics.GenericAPIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, CanViewQueue]
    parser_classes = [JSONParser]
    pagination_class = None

    def visible_report(self, report_id: int) -> Report:
        """Return the report if the user may see its internals (``defects.view_report_internal``), else 404."""
        report = (
            Report.objects.select_related("category", "district", "quarter", "department", "assignee")
            .filter(pk=report_id)
            .exclude(status=ReportStatus.UNCONFIRMED)
            .first()
        )
        if report is None or not self.request.user.has_perm("defects.view_report_internal", report):
            raise Http404
        return report

    def detail_response(self, report: Report) -> Response:
        """Answer with the report as it is now.

        After forwarding or handing back, the report may have left the user's departments; the answer still
        shows it as it stands right after the user's own action (nothing newer can exist yet).
        """
        report = Report.objects.select_related(
            "category", "district", "quarter", "department", "assignee"
        ).get(pk=report.pk)
        return Response(WorkspaceReportDetailSerializer(report, context=self.get_serializer_context()).data)


QUEUE_PARAMETERS = [
    OpenApiParameter("department", OpenApiTypes.INT, description="Id of one of the user's departments."),
    OpenApiParameter(
        "status",
        {"type": "array", "items": {"type": "string", "enum": QUEUE_STATUSES}},
        explode=True,
        description="Status; repeat for several.",
    ),
    OpenApiParameter("category", OpenApiTypes.INT, description="Category id."),
    OpenApiParameter("district", OpenApiTypes.INT, description="District id."),
    OpenApiParameter("quarter", OpenApiTypes.INT, description="Quarter id."),
    OpenApiParameter("priority", OpenApiTypes.STR, enum=Priority.values),
    OpenApiParameter("assignee", OpenApiTypes.STR, description="`me`, `none` or a user id."),
    OpenApiParameter(
        "min_age_days", OpenApiTypes.INT, description="Only reports at least this many days old."
    ),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description="Only reports past their target date."),
    OpenApiParameter("q", OpenApiTypes.STR, description="Report number, address or text of the description."),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next_cursor` of the previous page."),
    OpenApiParameter("limit", OpenApiTypes.INT, description="Reports per page, 1–200 (default 50)."),
]
QUEUE_FILTER_ERRORS = {
    "department": ["invalid_choice"],
    "status": ["invalid_choice", "invalid_list"],
    "category": ["invalid_choice"],
    "district": ["invalid_choice"],
    "quarter": ["invalid_choice"],
    "priority": ["invalid_choice"],
    "assignee": ["invalid_choice"],
    "min_age_days": ["invalid", "min_value", "max_value"],
    "q": ["max_length"],
    "limit": ["invalid"],
}


def _with_queue_errors(view_class):
    for field, codes in QUEUE_FILTER_ERRORS.items():
        view_class = extend_validation_errors(codes, field_name=field, methods=["get"])(view_class)
    return view_class


def queue_filters_from_query(request: Request) -> tuple[workspace_selectors.QueueFilters, int]:
    """Parse the queue's filters with the web queue's form; any invalid value is one 400 with every error."""
    form = QueueFilterForm(request.query_params, user=request.user)
    errors: dict[str, list[ErrorDetail]] = {}
    if not form.is_valid():
        for field, field_errors in form.errors.as_data().items():
            errors[field] = [
                ErrorDetail(
                    " ".join(str(message) for message in error.messages), code=error.code or "invalid"
                )
                for error in field_errors
            ]
    limit = QUEUE_DEFAULT_LIMIT
    raw_limit = (request.query_params.get("limit") or "").strip()
    if raw_limit:
        if raw_limit.isdigit() and int(raw_limit) >= 1:
            limit = min(int(raw_limit), workspace_selectors.QUEUE_MAX_LIMIT)
        else:
            errors["limit"] = [ErrorDetail(gettext("Bitte eine ganze Zahl ab 1 angeben."), code="invalid")]
    if errors:
        raise ValidationError(errors)
    return form.filters(), limit


@extend_schema(tags=["workspace"])
@_with_queue_errors
class QueueView(WorkspaceAPIView):
    serializer_class = QueuePageSerializer

    @extend_schema(
        operation_id="workspace_queue_list",
        summary="The user's queue",
        description="Reports of the user's departments (planners, moderators and administrators: of all "
        "departments), newest first, with the web queue's filters, as keyset pages: follow `next` (or pass "
        "`next_cursor` as `cursor`) until it is null. `counts_by_status` counts the filtered queue per status, "
        "ignoring the `status` filter. Items include the internal fields (priority, assignee, due date, overdue, "
        "version); never personal data of the reporter.",
        parameters=QUEUE_PARAMETERS,
    )
    def get(self, request: Request) -> Response:
        filters, limit = queue_filters_from_query(request)
        cursor = (request.query_params.get("cursor") or "").strip() or None
        page = workspace_selectors.queue_for_user(
            user=request.user, filters=filters, cursor=cursor, limit=limit
        )
        next_url = None
        if page.next_cursor:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor)
        context = self.get_serializer_context()
        return Response(
            {
                "next": next_url,
                "next_cursor": page.next_cursor,
                "counts_by_status": page.counts_by_status,
                "results": WorkspaceReportSerializer(page.items, many=True, context=context).data,
            }
        )


REPORT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Report id.")


@extend_schema(tags=["workspace"])
class ReportInternalView(WorkspaceAPIView):
    serializer_class = WorkspaceReportDetailSerializer

    @extend_schema(
        operation_id="workspace_reports_retrieve",
        summary="One report with its internal history",
        description="The report as its department sees it, with photos (also internal ones) and the whole "
        "history including internal notes and who acted. 404 unless the user may see the report's internals "
        "(members of its department, planners, moderators, administrators).",
        parameters=[REPORT_ID],
    )
    def get(self, request: Request, id: int) -> Response:
        report = self.visible_report(id)
        return Response(WorkspaceReportDetailSerializer(report, context=self.get_serializer_context()).data)


class ReportActionView(WorkspaceAPIView):
    """Base of the actions: parse the body, look the report up, call the one service, answer with the report."""

    serializer_class = WorkspaceReportDetailSerializer
    input_serializer_class: type[serializers.Serializer] = VersionInputSerializer

    def perform(self, *, report: Report, data: dict[str, Any]) -> Report:
        raise NotImplementedError

    def post(self, request: Request, id: int) -> Response:
        report = self.visible_report(id)
        if not request.user.has_perm("defects.act_on_report", report):
            raise Forbidden()
        body = self.input_serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            report = self.perform(report=report, data=body.validated_data)
        except ReportActionError as exc:
            raise _action_error(exc) from None
        except ReportValidationError as exc:
            raise _validation_error(exc) from None
        return self.detail_response(report)


def _action(
    *,
    name: str,
    summary: str,
    description: str,
    body: type[serializers.Serializer],
    error_codes: dict[str, list[str]] | None = None,
):
    """Document one action view: its body, the report as the answer, 403/404/409 and the service's codes."""

    def decorate(view_class):
        view_class.input_serializer_class = body

        def post(self, request: Request, id: int) -> Response:
            return ReportActionView.post(self, request, id)

        view_class.post = extend_schema(
            operation_id=f"workspace_reports_{name}",
            summary=summary,
            description=description
            + " The body names the `version` the client saw; the answer is the changed report with its new "
            "`version` and history. 403 `forbidden` if the user may not act on the report (planners never "
            "may), 404 if they may not see it, 409 `conflict` if it changed in between.",
            parameters=[REPORT_ID],
            request=body,
            responses={200: WorkspaceReportDetailSerializer, 409: CONFLICT_RESPONSE},
        )(post)
        for field, codes in (error_codes or {}).items():
            view_class = extend_validation_errors(codes, field_name=field, methods=["post"])(view_class)
        return extend_schema(tags=["workspace"])(view_class)

    return decorate


Code = WorkspaceErrorCode
TRANSITION = ReportErrorCode.TRANSITION_NOT_ALLOWED.value
TOO_LONG = Code.TEXT_TOO_LONG.value


@_action(
    name="accept",
    summary="Accept responsibility",
    description="The department accepts the report as its own.",
    body=VersionInputSerializer,
    error_codes={"non_field_errors": [Code.ALREADY_ACCEPTED.value]},
)
class AcceptView(ReportActionView):
    def perform(self, *, report, data):
        return workspace_services.report_accept(
            report=report, actor=self.request.user, expected_version=data["version"]
        )


@_action(
    name="hand_back",
    summary="Hand back to triage",
    description="Hands the report back to the central triage department, with an internal reason.",
    body=ReasonInputSerializer,
    error_codes={
        "reason": [ReportErrorCode.REASON_REQUIRED.value, TOO_LONG, Code.DEPARTMENT_INVALID.value],
        "non_field_errors": [Code.NO_TRIAGE.value],
    },
)
class HandBackView(ReportActionView):
    def perform(self, *, report, data):
        return workspace_services.report_hand_back(
            report=report, actor=self.request.user, expected_version=data["version"], reason=data["reason"]
        )


@_action(
    name="forward",
    summary="Forward to another department",
    description="Forwards the report to another department, with an internal reason.",
    body=ForwardInputSerializer,
    error_codes={
        "reason": [ReportErrorCode.REASON_REQUIRED.value, TOO_LONG],
        "department": [Code.DEPARTMENT_INVALID.value],
    },
)
class ForwardView(ReportActionView):
    def perform(self, *, report, data):
        return workspace_services.report_forward(
            report=report,
            actor=self.request.user,
            expected_version=data["version"],
            department=data["department"],
            reason=data["reason"],
        )


@_action(
    name="assign",
    summary="Assign",
    description="Assigns the report to a member of its department (or to no one, with `null`).",
    body=AssignInputSerializer,
    error_codes={"assignee": [Code.ASSIGNEE_INVALID.value]},
)
class AssignView(ReportActionView):
    def perform(self, *, report, data):
        return workspace_services.report_assign(
            report=report,
            actor=self.request.user,
            expected_version=data["version"],
            assignee=data["assignee"],
        )


@_action(
    name="priority",
    summary="Set the priority",
    description="Sets the report's priority.",
    body=PriorityInputSerializer,
    error_codes={"priority": [Code.PRIORITY_INVALID.value]},
)
class PriorityView(ReportActionView):
    def perform(self, *, report, data):
        return workspace_services.report_set_priority(
            report=report,
            actor=self.request.user,
            expected_version=data["version"],
            priority=data["priority"],
        )


@_action(
    name="status",
    summary="Change the status",
    description="Changes the status with a public message (shown on the public page and mailed to the reporter "
    "and supporters) and/or an internal note. `rejected` needs a public message, `duplicate` the id of the "
    "original in `duplicate_of` (its supporters move over).",
    body=StatusInputSerializer,
    error_codes={
        "to_status": [TRANSITION],
        "public_message": [ReportErrorCode.REASON_REQUIRED.value, TOO_LONG],
        "internal_note": [TOO_LONG],
        "duplicate_of": [
            ReportErrorCode.DUPLICATE_OF_REQUIRED.value,
            ReportErrorCode.DUPLICATE_OF_INVALID.value,
        ],
    },
)
class StatusView(ReportActionView):
    def perform(self, *, report, data):
        duplicate_of = None
        if data.get("duplicate_of"):
            duplicate_of = Report.objects.filter(pk=data["duplicate_of"]).first()
            if duplicate_of is None:
                raise ValidationError(
                    {
                        "duplicate_of": [
                            ErrorDetail(
                                gettext("Diese Meldung gibt es nicht."),
                                code=ReportErrorCode.DUPLICATE_OF_INVALID,
                            )
                        ]
                    }
                )
        return workspace_services.report_change_status(
            report=report,
            actor=self.request.user,
            expected_version=data["version"],
            to_status=data["to_status"],
            public_message=data.get("public_message") or "",
            internal_note=data.get("internal_note") or "",
            duplicate_of=duplicate_of,
        )


@_action(
    name="note",
    summary="Add an internal note",
    description="Adds an internal note to the history (never public).",
    body=NoteInputSerializer,
    error_codes={"internal_note": [Code.NOTE_REQUIRED.value, TOO_LONG]},
)
class NoteView(ReportActionView):
    def perform(self, *, report, data):
        return workspace_services.report_add_note(
            report=report,
            actor=self.request.user,
            expected_version=data["version"],
            internal_note=data["internal_note"],
        )


PHOTO_CODES = [
    ReportErrorCode.PHOTO_TOO_LARGE.value,
    ReportErrorCode.PHOTO_NOT_IMAGE.value,
    ReportErrorCode.PHOTO_CORRUPT.value,
    ReportErrorCode.PHOTO_TOO_MANY_PIXELS.value,
    ReportErrorCode.PHOTO_UNSUPPORTED_FORMAT.value,
]


@_action(
    name="after_photo",
    summary="Attach an after photo",
    description="Attaches a photo of the repaired place (multipart/form-data: `version`, `photo`); it is "
    "re-encoded and stripped of all metadata.",
    body=AfterPhotoInputSerializer,
    error_codes={"photo": [*PHOTO_CODES, ReportErrorCode.TOO_MANY_PHOTOS.value]},
)
class AfterPhotoView(ReportActionView):
    parser_classes = [MultiPartParser]

    def perform(self, *, report, data):
        return workspace_services.report_add_after_photo(
            report=report, actor=self.request.user, expected_version=data["version"], photo=data["photo"]
        )


def _bulk_result(result: Any) -> dict:
    """Return one per-report result of a bulk service in the API's shape, whatever its container."""
    if is_dataclass(result):
        result = asdict(result)
    elif not isinstance(result, dict):
        result = vars(result)
    report_id = result.get("report_id", result.get("id"))
    code = result.get("code") or result.get("error") or None
    ok = bool(result.get("ok", code is None))
    detail = result.get("message") or result.get("detail") or None
    version = result.get("version")
    report = result.get("report")
    if version is None and isinstance(report, Report):
        version = report.version
    if report_id is None and isinstance(report, Report):
        report_id = report.pk
    return {
        "id": report_id,
        "ok": ok,
        "version": version if ok else None,
        "code": None if ok else str(code),
        "detail": None if ok or detail is None else str(detail),
    }


class BulkView(WorkspaceAPIView):
    serializer_class = BulkResponseSerializer
    input_serializer_class: type[serializers.Serializer] = BulkIdsInputSerializer

    def perform(self, *, data: dict[str, Any]) -> list:
        raise NotImplementedError

    def post(self, request: Request) -> Response:
        body = self.input_serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            results = self.perform(data=body.validated_data)
        except ReportActionError as exc:
            raise _action_error(exc) from None
        return Response({"results": [_bulk_result(result) for result in results]})


BULK_DESCRIPTION = (
    " Each report is checked and changed on its own (and gets its own event and new version); the answer "
    "lists per report `ok` and the new `version`, or the error `code` (`forbidden`, `not_found`, "
    "`transition_not_allowed` …). At most 200 reports."
)


@extend_schema(tags=["workspace"])
class BulkAssignView(BulkView):
    input_serializer_class = BulkAssignInputSerializer

    @extend_schema(
        operation_id="workspace_bulk_assign",
        summary="Assign several reports",
        description="Assigns every listed report to `assignee` (null: to no one)." + BULK_DESCRIPTION,
        request=BulkAssignInputSerializer,
        responses={200: BulkResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        return super().post(request)

    def perform(self, *, data):
        return workspace_services.reports_bulk_assign(
            actor=self.request.user, report_ids=data["ids"], assignee=data["assignee"]
        )


@extend_schema(tags=["workspace"])
class BulkStatusView(BulkView):
    input_serializer_class = BulkStatusInputSerializer

    @extend_schema(
        operation_id="workspace_bulk_status",
        summary="Change the status of several reports",
        description="Changes every listed report to `to_status` with the same public message."
        + BULK_DESCRIPTION,
        request=BulkStatusInputSerializer,
        responses={200: BulkResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        return super().post(request)

    def perform(self, *, data):
        return workspace_services.reports_bulk_change_status(
            actor=self.request.user,
            report_ids=data["ids"],
            to_status=data["to_status"],
            public_message=data.get("public_message") or "",
        )
