"""Admin of the Mängelmelder: categories, responsibilities and status labels editable; reports read-only.

Reports change only through ``defects.services`` (one path for every entry point, each change an event), so
their admin shows them and their history but offers no form, no delete and no bulk action. The reporter's
personal data is shown only on a report's own page and only to staff with the change permission for reports.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.postgres.forms import SimpleArrayField
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from defects import services
from defects.errors import ReportActionError
from defects.models import (
    Category,
    CategoryGroup,
    CategoryQuestion,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportStatus,
    ResponseTemplate,
    Responsibility,
    SavedQueueFilter,
    StatusLabel,
)
from defects.rules import is_administrator, is_moderator
from defects.seed import ICON_STATIC_PATH, icon_exists, question_choices_problem
from defects.workspace_selectors import user_departments
from districts.models import DepartmentMembership, District
from maps.widgets import PlatformMapWidget

# Shown for a category without an icon of its own.
FALLBACK_ICON = "map-pin"
THUMBNAIL_WIDTH = 160
# Reports' private fields: never in a list, only on the report's page for staff who may change reports.
REPORTER_FIELDS = ("reporter_name", "reporter_email", "reporter_phone", "reporter", "privacy_consent_at")
REPORT_CHANGE_PERMISSION = "defects.change_report"


def _may_see_reporter(request: HttpRequest) -> bool:
    return request.user.has_perm(REPORT_CHANGE_PERMISSION)


class DistrictNameFilter(admin.RelatedFieldListFilter):
    """Filter by district listing names only: Django's filter would load every district's outline."""

    def field_choices(self, field, request, model_admin):
        return list(District.objects.order_by("name").values_list("pk", "name"))


def _districts_without_outline() -> QuerySet[District]:
    return District.objects.defer("geom").order_by("name")


# --- categories ------------------------------------------------------------------------------------------


@admin.register(CategoryGroup)
class CategoryGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class ChoiceLinesField(SimpleArrayField):
    """Choices one per line: a choice may contain a comma ("Sand verschmutzt (Scherben, Spritzen)")."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4, "cols": 40}))
        super().__init__(forms.CharField(max_length=100), delimiter="\n", **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = "\n".join(line.strip() for line in value.splitlines() if line.strip())
        return super().to_python(value)


class CategoryQuestionForm(forms.ModelForm):
    choices = ChoiceLinesField(
        required=False,
        label=CategoryQuestion._meta.get_field("choices").verbose_name,
        help_text=_("Eine Auswahlmöglichkeit je Zeile; nur bei Einfach- und Mehrfachauswahl."),
    )

    class Meta:
        model = CategoryQuestion
        fields = ("position", "key", "label", "help_text", "kind", "choices", "required")

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind:
            problem = question_choices_problem(kind=kind, choices=cleaned.get("choices") or [])
            if problem:
                self.add_error("choices", problem)
        return cleaned


class CategoryQuestionInline(admin.StackedInline):
    model = CategoryQuestion
    form = CategoryQuestionForm
    extra = 0
    ordering = ("position", "pk")


CATEGORY_FIELDS = (
    "group",
    "name",
    "slug",
    "description",
    "icon",
    "duplicate_radius_m",
    "target_days",
    "is_active",
    "position",
)


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = CATEGORY_FIELDS

    def clean_icon(self) -> str:
        icon = self.cleaned_data["icon"]
        if icon and not icon_exists(icon=icon):
            raise forms.ValidationError(
                _("Kein Symbol „%(icon)s“: die Datei static/%(path)s fehlt."),
                code="unknown_icon",
                params={"icon": icon, "path": ICON_STATIC_PATH.format(icon=icon)},
            )
        return icon


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryForm
    list_display = (
        "icon_preview",
        "name",
        "group",
        "is_active",
        "target_days",
        "duplicate_radius_m",
        "position",
    )
    list_display_links = ("name",)
    list_filter = ("is_active", "group")
    list_select_related = ("group",)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    fields = CATEGORY_FIELDS
    inlines = [CategoryQuestionInline]

    @admin.display(description=_("Symbol"))
    def icon_preview(self, category: Category) -> str:
        url = static(ICON_STATIC_PATH.format(icon=category.icon or FALLBACK_ICON))
        return format_html('<img src="{}" alt="" width="20" height="20">', url)


@admin.register(Responsibility)
class ResponsibilityAdmin(admin.ModelAdmin):
    list_display = ("category", "district_or_citywide", "department", "updated_at")
    list_filter = ("category", ("district", DistrictNameFilter), "department")
    list_select_related = ("category", "district", "department")
    search_fields = ("category__name", "district__name", "department__name")
    ordering = ("category__name", "district__name")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Responsibility]:
        return super().get_queryset(request).defer("district__geom")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "district":
            kwargs["queryset"] = _districts_without_outline()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("Ortsratsbereich"), ordering="district__name")
    def district_or_citywide(self, rule: Responsibility) -> str:
        return rule.district.name if rule.district_id else _("stadtweit")


@admin.register(StatusLabel)
class StatusLabelAdmin(admin.ModelAdmin):
    list_display = ("status", "label", "label_en", "description")
    list_editable = ("label", "label_en", "description")

    def get_readonly_fields(self, request: HttpRequest, obj: StatusLabel | None = None) -> tuple[str, ...]:
        # The status is the fixed type the label belongs to; only its wording is editable.
        return ("status",) if obj is not None else ()


# --- reports (read-only) ---------------------------------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReportEventInline(ReadOnlyInline):
    model = ReportEvent
    ordering = ("created_at", "pk")

    def get_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        fields = (
            "created_at",
            "kind",
            "from_status",
            "to_status",
            "from_department",
            "to_department",
            "actor_label",
            "public_message",
            "internal_note",
        )
        # The acting account may be the reporter's own: personal data, like the reporter fields.
        return ("actor", *fields) if _may_see_reporter(request) else fields

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        return self.get_fields(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReportEvent]:
        return super().get_queryset(request).select_related("actor", "from_department", "to_department")


class ReportPhotoInline(ReadOnlyInline):
    model = ReportPhoto
    fields = ("thumbnail", "kind", "is_public", "width", "height", "created_at")
    readonly_fields = fields
    ordering = ("position", "pk")

    @admin.display(description=_("Foto"))
    def thumbnail(self, photo: ReportPhoto) -> str:
        if not photo.image:
            return "–"
        return format_html(
            '<a href="{url}"><img src="{url}" alt="{alt}" width="{width}" loading="lazy"></a>',
            url=photo.image.url,
            alt=_("Foto %(number)d der Meldung") % {"number": photo.position + 1},
            width=THUMBNAIL_WIDTH,
        )


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("id", "category", "status", "needs_triage", "district", "department", "created_at")
    list_display_links = ("id", "category")
    list_filter = (
        "status",
        "needs_triage",
        "category",
        ("district", DistrictNameFilter),
        "department",
    )
    list_select_related = ("category", "district", "department")
    search_fields = ("address_label",)
    search_help_text = _("Nummer der Meldung (z. B. 123 oder #123) oder Teil der Adresse")
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    actions = ("mark_in_progress", "mark_resolved")
    inlines = [ReportPhotoInline, ReportEventInline]

    public_fieldsets = (
        (
            None,
            {
                "fields": (
                    "category",
                    "status",
                    "description",
                    "answers_display",
                    "address_label",
                    "district",
                    "quarter",
                    "location_display",
                    "location_map",
                )
            },
        ),
        (
            _("Zuordnung"),
            {"fields": ("department", "routing_reason", "needs_triage", "duplicate_of")},
        ),
        (
            _("Zeitpunkte"),
            {
                "fields": (
                    "created_at",
                    "confirmed_at",
                    "resolved_at",
                    "closed_at",
                    "withdrawn_at",
                    "updated_at",
                )
            },
        ),
    )

    @property
    def media(self):
        # The location is shown on the platform's own map (no CDN), though the field itself is read-only.
        return super().media + PlatformMapWidget().media

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        return super().get_queryset(request).defer("district__geom")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Report], search_term: str):
        # A number (with or without "#") is a report's id; the id is no text field, so Django's search can't.
        number = search_term.strip().removeprefix("#")
        if number.isdigit():
            return queryset.filter(Q(pk=int(number)) | Q(address_label__icontains=search_term.strip())), False
        return super().get_search_results(request, queryset, search_term)

    def get_fieldsets(self, request: HttpRequest, obj: Report | None = None):
        fieldsets = list(self.public_fieldsets)
        if _may_see_reporter(request):
            fieldsets.insert(1, (_("Meldende Person (vertraulich)"), {"fields": REPORTER_FIELDS}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Report | None = None) -> list[str]:
        return [name for _title, options in self.get_fieldsets(request, obj) for name in options["fields"]]

    # Status, department and history change only through defects.services (with an event each); deleting
    # would drop the history and leave photo files behind. So: no add, no change form, no delete; the only
    # writes are the status actions below, which call report_transition for each report.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False

    def has_transition_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REPORT_CHANGE_PERMISSION)

    @admin.action(description=_("Ausgewählte Meldungen in Bearbeitung nehmen"), permissions=["transition"])
    def mark_in_progress(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._transition_selected(request, queryset, to_status=ReportStatus.IN_PROGRESS)

    @admin.action(description=_("Ausgewählte Meldungen als erledigt markieren"), permissions=["transition"])
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        self._transition_selected(request, queryset, to_status=ReportStatus.RESOLVED)

    def _transition_selected(
        self, request: HttpRequest, queryset: QuerySet[Report], *, to_status: str
    ) -> None:
        """Change each report through the service; a refused one (e.g. already closed) is listed, not forced."""
        changed = 0
        refused = []
        for report in queryset.order_by("pk"):
            try:
                services.report_transition(report=report, to_status=to_status, actor=request.user)
            except ReportActionError as error:
                refused.append(f"#{report.pk}: {error.message}")
            else:
                changed += 1
        if changed:
            self.message_user(
                request,
                ngettext("%(count)d Meldung geändert.", "%(count)d Meldungen geändert.", changed)
                % {"count": changed},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request, _("Nicht geändert: %(reports)s") % {"reports": " ".join(refused)}, messages.WARNING
            )

    @admin.display(description=_("Antworten auf Zusatzfragen"))
    def answers_display(self, report: Report) -> str:
        if not report.answers:
            return "–"
        labels = dict(report.category.questions.values_list("key", "label"))
        return format_html(
            "<dl>{}</dl>",
            format_html_join(
                "",
                "<dt>{}</dt><dd>{}</dd>",
                ((labels.get(key, key), _answer_text(value)) for key, value in report.answers.items()),
            ),
        )

    @admin.display(description=_("Koordinaten (Länge, Breite)"))
    def location_display(self, report: Report) -> str:
        return f"{report.location.x:.6f}, {report.location.y:.6f}"

    @admin.display(description=_("Karte"))
    def location_map(self, report: Report) -> str:
        widget = PlatformMapWidget(attrs={"default_zoom": 17})
        return widget.render(
            "location_map", report.location, attrs={"id": "id_location_map", "disabled": True}
        )


def _answer_text(value: object) -> str:
    if isinstance(value, bool):
        return str(_("Ja") if value else _("Nein"))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


# --- the department workspace ----------------------------------------------------------------------------


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(admin.ModelAdmin):
    """Prepared public messages: moderators maintain all of them, department leads their department's."""

    list_display = ("title", "department", "category", "status", "is_active", "updated_at")
    list_filter = ("is_active", "status", "department")
    search_fields = ("title", "text")
    list_select_related = ("department", "category")

    @staticmethod
    def _sees_all(user) -> bool:
        return user.is_superuser or is_moderator(user) or is_administrator(user)

    def get_queryset(self, request):
        templates = super().get_queryset(request)
        if self._sees_all(request.user):
            return templates
        return templates.filter(
            department__in=user_departments(request.user, role=DepartmentMembership.Role.LEAD)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department" and not self._sees_all(request.user):
            # A lead writes templates for their own department only, never for all departments.
            kwargs["queryset"] = user_departments(request.user, role=DepartmentMembership.Role.LEAD)
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(SavedQueueFilter)
class SavedQueueFilterAdmin(admin.ModelAdmin):
    """Staff members' saved queue filters (their own business; listed for support only)."""

    list_display = ("name", "user", "created_at")
    search_fields = ("name", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
