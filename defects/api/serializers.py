"""Shapes of the Mängelmelder API. Output serializers name public fields only; input serializers only parse.

The reporter's name, e-mail and phone, the token hash, the submission key, internal notes and actors are never
a field of an output serializer here: a response cannot leak what it does not contain. Validation of a new
report (category, point, answers, photos, consent) lives in ``defects.services.report_create``; the input
serializers only turn JSON or form data into the service's arguments.
"""

from __future__ import annotations

import json

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelListSerializer, GeoFeatureModelSerializer

from defects.models import Category, CategoryQuestion, Report, ReportPhoto, Subscription

# Six decimals of a degree are about 0.1 m, as for the geography API.
COORDINATE_PRECISION = 6


def _absolute(url: str, context: dict) -> str:
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


def _status_labels(context: dict) -> dict[str, str]:
    """Return the public status labels, read once per serialisation (they are editable in the admin)."""
    labels = context.get("_status_labels")
    if labels is None:
        from defects.selectors import status_labels

        labels = status_labels()
        # The context dict is shared by every item of a list: one query for a whole page.
        context["_status_labels"] = labels
    return labels


def _public_photos(report: Report) -> list[ReportPhoto]:
    """Return the report's public photos, from a prefetch if there is one."""
    prefetched = getattr(report, "_prefetched_objects_cache", {}).get("photos")
    if prefetched is not None:
        return [photo for photo in prefetched if photo.is_public]
    from defects.selectors import report_public_photos

    return list(report_public_photos(report=report))


def _attach_counts(reports: list[Report]) -> None:
    """Count the public photos and confirmed supporters of a page of reports in two queries, not two per report.

    Annotations named ``photo_count`` / ``supporters_count`` made by a selector are used as they are.
    """
    need_photos = {report.pk for report in reports if getattr(report, "photo_count", None) is None}
    need_supporters = {report.pk for report in reports if getattr(report, "supporters_count", None) is None}
    photos = _counts(
        ReportPhoto.objects.filter(report_id__in=need_photos, is_public=True) if need_photos else None
    )
    supporters = _counts(
        Subscription.objects.filter(
            report_id__in=need_supporters, role=Subscription.Role.SUPPORTER, confirmed_at__isnull=False
        )
        if need_supporters
        else None
    )
    for report in reports:
        if report.pk in need_photos:
            report.photo_count = photos.get(report.pk, 0)
        if report.pk in need_supporters:
            report.supporters_count = supporters.get(report.pk, 0)


def _counts(queryset) -> dict[int, int]:
    if queryset is None:
        return {}
    return dict(queryset.order_by().values("report_id").annotate(n=Count("pk")).values_list("report_id", "n"))


class ReportFeatureListSerializer(GeoFeatureModelListSerializer):
    """A FeatureCollection of reports; the counts of the whole page are fetched at once."""

    def to_representation(self, data):
        reports = list(data.all() if hasattr(data, "all") else data)
        _attach_counts(reports)
        return super().to_representation(reports)


class ReportFeatureSerializer(GeoFeatureModelSerializer):
    """A public report as a GeoJSON Feature: used by the API list and by the "reports" map layer.

    Expects the report with ``category``, ``district`` and ``quarter`` selected (``report_public_queryset``
    does that). ``photo_count`` (public photos) and ``supporters_count`` (confirmed supporters) are counted per
    page by the list serializer, unless the queryset annotates them under these names.
    """

    location = GeometryField(precision=COORDINATE_PRECISION, read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    status_label = serializers.SerializerMethodField()
    district = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    district_name = serializers.CharField(source="district.name", read_only=True)
    quarter_name = serializers.SerializerMethodField()
    photo_count = serializers.SerializerMethodField()
    supporters_count = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        geo_field = "location"
        list_serializer_class = ReportFeatureListSerializer
        fields = (
            "id",
            "category",
            "category_name",
            "status",
            "status_label",
            "district",
            "district_name",
            "quarter_name",
            "address_label",
            "description",
            "created_at",
            "updated_at",
            "confirmed_at",
            "resolved_at",
            "photo_count",
            "supporters_count",
            "url",
            "location",
        )
        read_only_fields = fields

    def get_status_label(self, report: Report) -> str:
        return _status_labels(self.context).get(report.status) or str(report.get_status_display())

    def get_quarter_name(self, report: Report) -> str | None:
        return report.quarter.name if report.quarter_id else None

    def get_photo_count(self, report: Report) -> int:
        if getattr(report, "photo_count", None) is None:
            _attach_counts([report])
        return report.photo_count

    def get_supporters_count(self, report: Report) -> int:
        if getattr(report, "supporters_count", None) is None:
            _attach_counts([report])
        return report.supporters_count

    def get_url(self, report: Report) -> str:
        """Return the absolute link to the report's public page."""
        return _absolute(reverse("defects:report_detail", kwargs={"pk": report.pk}), self.context)


class ReportPhotoSerializer(serializers.ModelSerializer):
    """A public photo: its URL and size; the stored file carries no metadata."""

    url = serializers.SerializerMethodField()

    class Meta:
        model = ReportPhoto
        fields = ("url", "width", "height", "kind")
        read_only_fields = fields

    def get_url(self, photo: ReportPhoto) -> str:
        return _absolute(photo.image.url, self.context)


class PublicEventSerializer(serializers.Serializer):
    """One public entry of a report's history; no internal note, no actor."""

    created_at = serializers.DateTimeField(read_only=True)
    kind = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(read_only=True)
    status_label = serializers.CharField(read_only=True, allow_null=True, allow_blank=True)
    public_message = serializers.CharField(read_only=True, allow_blank=True)


class ReportDetailSerializer(ReportFeatureSerializer):
    """A public report as a Feature with its public history and the URLs of its public photos."""

    photos = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta(ReportFeatureSerializer.Meta):
        fields = (*ReportFeatureSerializer.Meta.fields, "photos", "history")
        read_only_fields = fields

    @extend_schema_field(ReportPhotoSerializer(many=True))
    def get_photos(self, report: Report) -> list[dict]:
        return ReportPhotoSerializer(_public_photos(report), many=True, context=self.context).data

    @extend_schema_field(PublicEventSerializer(many=True))
    def get_history(self, report: Report) -> list[dict]:
        from defects.selectors import report_public_history

        return PublicEventSerializer(report_public_history(report=report), many=True).data


class CategoryQuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CategoryQuestion
        fields = ("key", "label", "help_text", "kind", "choices", "required")
        read_only_fields = fields


class CategoryGroupRefSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)


class CategorySerializer(serializers.ModelSerializer):
    """An active category with what the form needs: its group, symbol, questions and limits."""

    group = CategoryGroupRefSerializer(read_only=True)
    questions = CategoryQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Category
        fields = (
            "id",
            "slug",
            "name",
            "group",
            "icon",
            "description",
            "duplicate_radius_m",
            "target_days",
            "questions",
        )
        read_only_fields = fields


# --- input -----------------------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.OBJECT)
class JSONObjectField(serializers.Field):
    """A JSON object: given as an object in JSON bodies, or as a JSON string in a form field."""

    default_error_messages = {"invalid": _('Bitte geben Sie ein JSON-Objekt an, z. B. {{"mast": "A-17"}}.')}

    def to_internal_value(self, data: object) -> dict:
        if isinstance(data, str):
            if not data.strip():
                return {}
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            self.fail("invalid")
        return data

    def to_representation(self, value: object) -> object:
        return value


@extend_schema_field(OpenApiTypes.STR)
class JSONObjectStringField(JSONObjectField):
    """A JSON object in a string, as form fields carry it."""


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string"}]})
class CoordinateField(serializers.Field):
    """A coordinate passed on as sent: the service parses it, so every entry point gets the same geo codes."""

    def to_internal_value(self, data: object) -> object:
        return data

    def to_representation(self, value: object) -> object:
        return value


@extend_schema_field(OpenApiTypes.UUID)
class UUIDStringField(serializers.CharField):
    """A UUID, passed on as text."""


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}]})
class CategoryRefField(serializers.CharField):
    """The slug or the id of a category."""


class ReporterInputSerializer(serializers.Serializer):
    """Who reports: private, only ever stored, never returned."""

    name = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=True)
    email = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=True,
        help_text="Required: the confirmation link is sent here.",
    )
    phone = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=True)


class ReportCreateInputSerializer(serializers.Serializer):
    """The body of ``POST /reports/`` as JSON.

    Only types are checked here (an object where an object belongs, a UUID, a boolean). Whether a value is
    missing or wrong is the service's decision, so nothing is required here.
    """

    category = CategoryRefField(
        required=False, allow_blank=True, allow_null=True, help_text="Slug or id of an active category."
    )
    lon = CoordinateField(
        required=False, allow_null=True, help_text="Longitude (WGS 84); a string may use a decimal comma."
    )
    lat = CoordinateField(
        required=False, allow_null=True, help_text="Latitude (WGS 84); a string may use a decimal comma."
    )
    description = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, trim_whitespace=False, help_text="Plain text."
    )
    answers = JSONObjectField(
        required=False,
        allow_null=True,
        help_text='Answers to the category\'s questions by question `key`, e.g. `{"mast": "A-17"}`.',
    )
    reporter = ReporterInputSerializer(required=False, allow_null=True)
    privacy_consent = serializers.BooleanField(
        required=False, help_text="Must be true: consent to the privacy notice."
    )
    # A string, not a UUIDField: the service checks it, so that every entry point gets its error code.
    submission_key = UUIDStringField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="A UUID per filled-in form: sending it again returns the first report instead of a new one.",
    )


class ReportCreateFormSerializer(serializers.Serializer):
    """The body of ``POST /reports/`` as multipart/form-data: the same fields, flat, and the photos.

    The reporter's fields are ``reporter.name``, ``reporter.email`` and ``reporter.phone``; ``answers`` is a
    JSON object in a string.
    """

    category = serializers.CharField(required=False, allow_blank=True, help_text="Slug or id of a category.")
    lon = serializers.CharField(required=False, allow_blank=True, help_text="Longitude (WGS 84).")
    lat = serializers.CharField(required=False, allow_blank=True, help_text="Latitude (WGS 84).")
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    answers = JSONObjectStringField(required=False, help_text="The answers as a JSON object in a string.")
    reporter_name = serializers.CharField(
        required=False, allow_blank=True, help_text="Sent as `reporter.name`."
    )
    reporter_email = serializers.CharField(
        required=False, allow_blank=True, help_text="Sent as `reporter.email`; required."
    )
    reporter_phone = serializers.CharField(
        required=False, allow_blank=True, help_text="Sent as `reporter.phone`."
    )
    privacy_consent = serializers.BooleanField(required=False)
    submission_key = UUIDStringField(required=False, allow_blank=True)
    # Documentation only: the view validates the form without its files and hands request.FILES to the
    # service unchecked, so that empty, broken or oversized files get the service's photo codes.
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="Up to five photos; repeat the field for each.",
    )

    def get_fields(self) -> dict:
        # The reporter's fields are named by their path in the JSON body ("reporter.email"): errors name the same
        # attr for both bodies, and the dotted source nests the validated data as JSON's ({"reporter": {…}}).
        fields = {}
        for name, field in super().get_fields().items():
            fields[name.replace("reporter_", "reporter.", 1) if name.startswith("reporter_") else name] = (
                field
            )
        return fields


class ReportCreatedSerializer(serializers.Serializer):
    """What a create returns: the id and what happens next. No personal data."""

    id = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)


class RequestTooLargeErrorSerializer(serializers.Serializer):
    """One error of a request body beyond the limits (413), in the shape of drf-standardized-errors."""

    code = serializers.CharField(help_text="`request_too_large`")
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class RequestTooLargeResponseSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="`client_error`")
    errors = RequestTooLargeErrorSerializer(many=True)
