"""The citizen's way to report a defect: a step-by-step form without an account, and the e-mail confirmation.

Steps (``formtools`` ``SessionWizardView``, server-rendered, working without JavaScript):
``location`` → ``category`` → ``similar`` (only when open reports of the category are nearby) → ``details``.
The last step sends everything to ``defects.services.report_create``, the one way a report comes into being;
its field errors are mapped back onto the steps. Photos belong to the last step and never go into the session.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.gis.geos import Point
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from formtools.wizard.views import SessionWizardView

from defects import selectors, services
from defects.errors import FieldError, ReportActionError, ReportValidationError
from defects.forms import (
    ANSWER_PREFIX,
    CategoryForm,
    DetailsForm,
    LocationForm,
    SimilarForm,
    SupportForm,
)
from defects.models import DESCRIPTION_MAX_LENGTH, MAX_PHOTOS_PER_REPORT, Category, ReportStatus
from defects.photos import PhotoError, photo_gps, photo_process
from districts import selectors as geo
from districts.layers import DISTRICTS_LAYER
from geo_core.parsing import GeoInputError, GeoInputErrorCode
from geo_core.srid import metric_srid
from maps.folium_maps import build_map

STEP_LOCATION = "location"
STEP_CATEGORY = "category"
STEP_SIMILAR = "similar"
STEP_DETAILS = "details"

STEP_TITLES = {
    STEP_LOCATION: _("Ort"),
    STEP_CATEGORY: _("Kategorie"),
    STEP_SIMILAR: _("Ähnliche Meldungen"),
    STEP_DETAILS: _("Angaben"),
}

# What the "submitted" page shows comes from the session, never from the URL (no e-mail address in links).
SUBMITTED_SESSION_KEY = "defects_submitted"
# A photo's position is only proposed when it is at least this far from the chosen point.
PHOTO_POSITION_MIN_DISTANCE_M = 20
# The script sends the start of a JPEG to look for a position: the EXIF block is in its first 64 KB.
PHOTO_PROBE_FIELD = "photo"
# Zoom when the map opens on a point already chosen (a street, a pin set before going back).
POINT_ZOOM = 17

_LOCATION_FIELDS = {"location", "lon", "lat"}
_LOCATION_CODES = {code.value for code in GeoInputErrorCode}


@dataclass(frozen=True)
class PhotoProposal:
    """A position found in an uploaded photo, offered instead of the chosen point."""

    point: Point
    label: str
    distance_m: float


def mask_email(email: str) -> str:
    """Return an e-mail address with the local part hidden but its first character ("e…@example.org")."""
    local, sep, domain = (email or "").strip().rpartition("@")
    if not sep or not local or not domain:
        return ""
    return f"{local[0]}…@{domain}"


def distance_m(a: Point, b: Point) -> float:
    """Return the distance in metres between two WGS 84 points, measured in the metric CRS."""
    srid = metric_srid()
    return a.transform(srid, clone=True).distance(b.transform(srid, clone=True))


def location_label(point: Point | None) -> str:
    """Return a short, public description of a point: nearest street and quarter (or district)."""
    if point is None:
        return ""
    location = geo.locate_point(point=point)
    place = (
        location.quarter.name if location.quarter else (location.district.name if location.district else "")
    )
    street = location.street.name if location.street else ""
    if street and place:
        return f"{street}, {place}"
    return street or place


def photo_max_bytes() -> int:
    return int(getattr(settings, "REPORT_PHOTO_MAX_BYTES", 15 * 1024 * 1024))


def photo_messages(uploads, errors: list[FieldError]) -> list[str]:
    """Return the service's photo errors, each naming the file it is about where that can be told.

    The service reports one error per refused photo, without saying which; with several photos, each is
    checked again here, only on this error path, to put the file's name to the message.
    """
    if not errors:
        return []
    codes = {error.code for error in errors}
    if len(uploads) == 1 and len(errors) == 1:
        return [f"{uploads[0].name}: {errors[0].message}"]
    if len(uploads) > 1 and any(code.startswith("photo_") for code in codes):
        messages_ = []
        for upload in uploads:
            try:
                photo_process(upload=upload)
            except PhotoError as error:
                messages_.append(f"{upload.name}: {error.message}")
        if messages_:
            return messages_
    return [error.message for error in errors]


def js_messages() -> dict[str, str]:
    """Return the texts the page's script shows, in the active language (placeholders in %(name)s style)."""
    return {
        "chosen": gettext("Gewählter Ort: %(label)s"),
        "chosenUnknown": gettext("Gewählter Ort: ein Punkt ohne Straße in der Nähe"),
        "checking": gettext("Der Ort wird geprüft …"),
        "locating": gettext("Ihr Standort wird bestimmt …"),
        "denied": gettext(
            "Sie haben die Standortfreigabe abgelehnt. Tippen Sie auf die Karte oder geben Sie eine Straße ein."
        ),
        "unavailable": gettext(
            "Ihr Standort konnte nicht bestimmt werden. Tippen Sie auf die Karte oder geben Sie eine Straße ein."
        ),
        "unsupported": gettext("Ihr Browser kann den Standort nicht bestimmen."),
        "marker": gettext("Ort der Meldung. Mit den Pfeiltasten verschieben."),
        "suggestions": gettext(
            "%(count)s Vorschläge. Mit den Pfeiltasten auswählen, mit Eingabe übernehmen."
        ),
        "suggestion": gettext("1 Vorschlag. Mit den Pfeiltasten auswählen, mit Eingabe übernehmen."),
        "noStreet": gettext("Keine passende Straße gefunden."),
        "streetError": gettext(
            "Die Straßensuche ist gerade nicht erreichbar. Sie können trotzdem weiter: Wir suchen die Straße beim Absenden."
        ),
        "charsLeft": gettext("Noch %(count)s von %(max)s Zeichen"),
        "charsOver": gettext("%(count)s Zeichen zu viel"),
        "tooManyPhotos": gettext("Bitte wählen Sie höchstens %(max)s Fotos aus."),
        "notAnImage": gettext("Diese Datei ist kein Bild."),
        "photoTooLarge": gettext("Dieses Foto ist zu groß (höchstens %(max)s).")
        % {"max": filesizeformat(photo_max_bytes())},
        "photoOffer": gettext(
            "Ihr Foto enthält eine Ortsangabe: %(label)s, etwa %(distance)s m von dem Ort, den Sie gewählt haben. Position aus dem Foto übernehmen?"
        ),
        "photoTaken": gettext("Wir verwenden die Position aus dem Foto: %(label)s."),
        "photoDeclined": gettext("Wir verwenden den Ort, den Sie gewählt haben."),
        "unknownStreet": gettext("unbekannte Straße"),
        "sending": gettext("Wird gesendet …"),
    }


def report_place(report) -> str:
    """Return where a saved report is, as people read it: "street, quarter" (or district)."""
    place = report.quarter.name if report.quarter_id else report.district.name
    return ", ".join(part for part in (report.address_label, place) if part)


def _wizard_data(form, names) -> MultiValueDict:
    """Return only the given fields of a bound form's data, with their prefixes (for the wizard storage)."""
    data = MultiValueDict()
    for name in names:
        key = form.add_prefix(name)
        values = form.data.getlist(key) if hasattr(form.data, "getlist") else [form.data.get(key)]
        data.setlist(key, [value for value in values if value is not None])
    return data


class ReportWizard(SessionWizardView):
    form_list = [
        (STEP_LOCATION, LocationForm),
        (STEP_CATEGORY, CategoryForm),
        (STEP_SIMILAR, SimilarForm),
        (STEP_DETAILS, DetailsForm),
    ]
    condition_dict = {STEP_SIMILAR: lambda wizard: bool(wizard.similar_reports())}
    # Defined (as None) to satisfy formtools: the details step keeps its photos out of any storage.
    file_storage = None

    def get_template_names(self) -> list[str]:
        return [f"defects/submit/step_{self.steps.current}.html"]

    # --- What the earlier steps decided ------------------------------------------------------------------

    def chosen_point(self) -> Point | None:
        data = self.get_cleaned_data_for_step(STEP_LOCATION)
        return data["point"] if data else None

    def chosen_category(self) -> Category | None:
        data = self.get_cleaned_data_for_step(STEP_CATEGORY)
        return data["category"] if data else None

    def active_categories(self) -> list[Category]:
        if not hasattr(self, "_active_categories"):
            self._active_categories = list(selectors.category_list_active())
        return self._active_categories

    def similar_reports(self) -> list[selectors.NearbyReport]:
        # The wizard drops attributes named _cleaned_data_cache_* whenever step data changes, so this cache
        # follows the stored data.
        cached = getattr(self, "_cleaned_data_cache__similar", None)
        if cached is None:
            point, category = self.chosen_point(), self.chosen_category()
            found = []
            if point is not None and category is not None:
                found = selectors.reports_nearby_open(category=category, point=point)
            cached = self._cleaned_data_cache__similar = (found,)
        return cached[0]

    def chosen_location_label(self) -> str:
        cached = getattr(self, "_cleaned_data_cache__label", None)
        if cached is None:
            cached = self._cleaned_data_cache__label = (location_label(self.chosen_point()),)
        return cached[0]

    # --- Forms --------------------------------------------------------------------------------------------

    def get_form_kwargs(self, step=None) -> dict:
        if step == STEP_CATEGORY:
            return {"categories": self.active_categories()}
        if step == STEP_DETAILS:
            return {"category": self.chosen_category()}
        return {}

    def get_form_initial(self, step) -> dict:
        initial = dict(super().get_form_initial(step))
        if step == STEP_DETAILS:
            initial["submission_key"] = self.storage.extra_data.get("submission_key")
            user = self.request.user
            if user.is_authenticated:
                initial["reporter_email"] = user.email
        return initial

    def process_step(self, form) -> MultiValueDict:
        """Keep only the step's own fields; the location normalised; nothing at all of the details step."""
        step = self.steps.current
        if step == STEP_DETAILS:
            # Personal data and answers are sent again with the last post; they need no session copy.
            return MultiValueDict()
        if step == STEP_LOCATION:
            cleaned = form.cleaned_data
            return MultiValueDict(
                {
                    form.add_prefix("lon"): [cleaned["lon"]],
                    form.add_prefix("lat"): [cleaned["lat"]],
                    form.add_prefix("street"): [cleaned.get("street") or ""],
                    form.add_prefix("street_resolved"): [cleaned.get("street_resolved") or ""],
                }
            )
        return _wizard_data(form, form.fields)

    def process_step_files(self, form) -> dict:
        return {}

    # --- Requests -------------------------------------------------------------------------------------------

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """Start a new report: empty steps and a fresh key that makes submitting it twice harmless."""
        self.storage.reset()
        self.storage.current_step = self.steps.first
        self.storage.extra_data = {"submission_key": str(uuid.uuid4())}
        return self.render(self.get_form())

    def post(self, *args, **kwargs) -> HttpResponse:
        request = self.request
        if request.POST.get("photo_probe"):
            return self.photo_probe()
        if self.storage.current_step is None or "submission_key" not in self.storage.extra_data:
            # The session ended (or never began): the earlier steps are gone.
            messages.info(
                request,
                gettext(
                    "Ihre bisherigen Angaben sind nicht mehr gespeichert. Bitte beginnen Sie noch einmal."
                ),
            )
            return redirect("defects:report_new")
        posted_step = request.POST.get(f"{self.prefix}-current_step")
        if posted_step and posted_step not in self.get_form_list():
            # A step that no longer applies (e.g. no similar reports any more): show the current one.
            return self.render(self.get_form(data=self.storage.get_step_data(self.steps.current)))
        if request.POST.get("support_report"):
            return self.support()
        return super().post(*args, **kwargs)

    def render_goto_step(self, goto_step, **kwargs) -> HttpResponse:
        # Going back from the details step keeps what was typed there (the photos must be chosen again).
        if self.steps.current == STEP_DETAILS:
            form = self.get_form(data=self.request.POST)
            self.storage.set_step_data(STEP_DETAILS, self._details_draft(form))
        return super().render_goto_step(goto_step, **kwargs)

    def _details_draft(self, form: DetailsForm) -> MultiValueDict:
        names = [
            name for name in form.fields if name not in ("photos", "photo_position", "photo_lon", "photo_lat")
        ]
        return _wizard_data(form, names)

    def render_done(self, form, **kwargs) -> HttpResponse:
        """Revalidate the stored steps, then create the report from them and the posted details form."""
        form_dict = {}
        for step in self.get_form_list():
            if step == STEP_DETAILS:
                form_dict[step] = form
                continue
            stored = self.get_form(step=step, data=self.storage.get_step_data(step))
            if not stored.is_valid():
                # E.g. a similar report appeared meanwhile, or the category was deactivated.
                self.storage.set_step_data(STEP_DETAILS, self._details_draft(form))
                return self.render_revalidation_failure(step, stored, **kwargs)
            form_dict[step] = stored
        return self.done(list(form_dict.values()), form_dict=form_dict, **kwargs)

    def done(self, form_list, form_dict=None, **kwargs) -> HttpResponse:
        location_form = form_dict[STEP_LOCATION]
        category = form_dict[STEP_CATEGORY].cleaned_data["category"]
        details: DetailsForm = form_dict[STEP_DETAILS]
        data = details.cleaned_data
        point = location_form.cleaned_data["point"]

        point = self._decide_photo_position(details, point)
        if point is None:
            return self.render(details)

        submission_key = data.get("submission_key") or self.storage.extra_data.get("submission_key")
        user = self.request.user
        try:
            result = services.report_create(
                category_id=category.pk,
                lon=point.x,
                lat=point.y,
                description=data.get("description") or "",
                answers=details.answers(),
                photos=data.get("photos") or [],
                reporter_name=data.get("reporter_name") or "",
                reporter_email=data.get("reporter_email") or "",
                reporter_phone=data.get("reporter_phone") or "",
                privacy_consent=bool(data.get("privacy_consent")),
                submission_key=submission_key,
                reporter=user if user.is_authenticated else None,
            )
        except ReportValidationError as error:
            return self.render_service_errors(error.errors, form_dict)

        report = result.report
        self.request.session[SUBMITTED_SESSION_KEY] = {
            "kind": "report",
            "report_id": report.pk,
            "email": mask_email(data.get("reporter_email") or ""),
            "category": report.category.name,
            "location": report_place(report),
            "description": report.description,
            "photos": report.photos.count(),
            "again": not result.created,
        }
        # The steps stay stored (with the key), so the same form sent again finds the same report; the
        # details with the personal data were never stored.
        return redirect("defects:report_submitted")

    # --- The position in a photo ------------------------------------------------------------------------------

    def _decide_photo_position(self, details: DetailsForm, point: Point) -> Point | None:
        """Return the point to report: the chosen one, or the photo's if the person took it.

        A photo's position is never used silently: without a decision, the details step is shown again with
        the question (the photos must then be chosen again: they are not kept between requests).
        """
        data = details.cleaned_data
        if data.get("photo_position") == "photo":
            try:
                return geo.parse_city_point(lon=data.get("photo_lon"), lat=data.get("photo_lat"))
            except GeoInputError as error:
                details.add_error("photo_position", error.message)
                return None
        if data.get("photo_position") == "pin":
            return point
        proposal = self.photo_proposal(data.get("photos") or [], point)
        if proposal is None:
            return point
        details.photo_proposal = proposal
        details.add_error(
            "photo_position",
            gettext(
                "Ihr Foto enthält eine Ortsangabe (%(label)s, etwa %(distance)s m von dem Ort, den Sie gewählt "
                "haben). Bitte wählen Sie, welchen Ort wir verwenden sollen, und wählen Sie die Fotos noch "
                "einmal aus."
            )
            % {
                "label": proposal.label or gettext("unbekannte Straße"),
                "distance": round(proposal.distance_m),
            },
        )
        return None

    @staticmethod
    def _taken_photo_point(form: DetailsForm) -> Point | None:
        """Return the photo's position the person chose to use (shown instead of the pin), if any."""
        if form.data.get(form.add_prefix("photo_position")) != "photo":
            return None
        try:
            return geo.parse_city_point(
                lon=form.data.get(form.add_prefix("photo_lon")),
                lat=form.data.get(form.add_prefix("photo_lat")),
            )
        except GeoInputError:
            return None

    def photo_proposal(self, uploads, point: Point | None) -> PhotoProposal | None:
        for upload in uploads:
            found = photo_gps(upload=upload)
            if found is None:
                continue
            try:
                found = geo.parse_city_point(lon=found.x, lat=found.y)
            except GeoInputError:
                continue  # outside the city: nothing worth proposing
            distance = distance_m(point, found) if point is not None else 0.0
            if point is not None and distance < PHOTO_POSITION_MIN_DISTANCE_M:
                return None
            return PhotoProposal(point=found, label=location_label(found), distance_m=distance)
        return None

    def photo_probe(self) -> JsonResponse:
        """Answer the page's script: is there a position in this photo worth proposing? Nothing is kept."""
        upload = self.request.FILES.get(PHOTO_PROBE_FIELD)
        point = self.chosen_point() if self.storage.current_step else None
        proposal = self.photo_proposal([upload], point) if upload is not None else None
        if proposal is None:
            return JsonResponse({"found": False})
        return JsonResponse(
            {
                "found": True,
                "lon": round(proposal.point.x, 6),
                "lat": round(proposal.point.y, 6),
                "label": proposal.label,
                "distance_m": round(proposal.distance_m),
            }
        )

    # --- Supporting a similar report instead ----------------------------------------------------------------

    def support(self) -> HttpResponse:
        form = SupportForm(self.request.POST)
        nearby = {item.report.pk: item.report for item in self.similar_reports()}
        report = nearby.get(form.cleaned_data["support_report"]) if form.is_valid() else None
        if report is None:
            messages.error(self.request, gettext("Diese Meldung kann hier nicht unterstützt werden."))
            return self.render(
                self.get_form(step=STEP_SIMILAR, data=self.storage.get_step_data(STEP_SIMILAR))
            )
        email = form.cleaned_data.get("support_email") or ""
        try:
            services.report_support(report=report, email=email)
        except ReportValidationError as error:
            return self._render_support_error(report.pk, email, "; ".join(e.message for e in error.errors))
        except ReportActionError as error:
            return self._render_support_error(report.pk, email, error.message)
        self.storage.reset()
        self.request.session[SUBMITTED_SESSION_KEY] = {
            "kind": "support",
            "report_id": report.pk,
            "email": mask_email(email),
        }
        return redirect("defects:report_submitted")

    def _render_support_error(self, report_id: int, email: str, message: str) -> HttpResponse:
        self.storage.current_step = STEP_SIMILAR
        form = self.get_form(step=STEP_SIMILAR)
        return self.render(form, support_error={"report_id": report_id, "email": email, "message": message})

    # --- The service's field errors, back on the steps --------------------------------------------------------

    def render_service_errors(self, errors: list[FieldError], form_dict: dict) -> HttpResponse:
        """Show the service's errors on the step they belong to, earliest step first."""
        details: DetailsForm = form_dict[STEP_DETAILS]
        by_step: dict[str, list[tuple[str | None, str]]] = {
            STEP_LOCATION: [],
            STEP_CATEGORY: [],
            STEP_DETAILS: [],
        }
        photo_errors: list[FieldError] = []
        for error in errors:
            field = error.field or ""
            if field in _LOCATION_FIELDS or (field == "" and error.code in _LOCATION_CODES):
                by_step[STEP_LOCATION].append((None, error.message))
            elif field in ("category", "category_id"):
                by_step[STEP_CATEGORY].append(("category", error.message))
            elif field.startswith("answers."):
                name = ANSWER_PREFIX + field.split(".", 1)[1]
                by_step[STEP_DETAILS].append((name if name in details.fields else None, error.message))
            elif field.split(".", 1)[0] == "photos":
                photo_errors.append(error)
            elif field in details.fields:
                by_step[STEP_DETAILS].append((field, error.message))
            else:
                by_step[STEP_DETAILS].append((None, error.message))
        uploads = details.cleaned_data.get("photos") or [] if hasattr(details, "cleaned_data") else []
        for message in photo_messages(uploads, photo_errors):
            by_step[STEP_DETAILS].append(("photos", message))
        for step in (STEP_LOCATION, STEP_CATEGORY):
            if by_step[step]:
                # Back to an earlier step: keep what was typed on the details step for the way forward.
                self.storage.set_step_data(STEP_DETAILS, self._details_draft(details))
                self.storage.current_step = step
                form = self.get_form(step=step, data=self.storage.get_step_data(step))
                form.is_valid()
                for name, message in by_step[step]:
                    form.add_error(name, message)
                return self.render(form)
        for name, message in by_step[STEP_DETAILS]:
            details.add_error(name, message)
        return self.render(details)

    # --- Rendering ------------------------------------------------------------------------------------------

    def get_context_data(self, form, **kwargs) -> dict:
        context = super().get_context_data(form=form, **kwargs)
        step = self.steps.current
        steps = list(self.get_form_list())
        current_index = steps.index(step) if step in steps else 0
        context.update(
            {
                "step_title": STEP_TITLES.get(step, ""),
                "progress": [
                    {
                        "name": name,
                        "title": STEP_TITLES[name],
                        "number": index + 1,
                        "state": "done"
                        if index < current_index
                        else ("current" if index == current_index else ""),
                    }
                    for index, name in enumerate(steps)
                ],
                "step_number": current_index + 1,
                "step_count": len(steps),
                "prev_step": self.steps.prev,
                "description_max_length": DESCRIPTION_MAX_LENGTH,
                "max_photos": MAX_PHOTOS_PER_REPORT,
                "retention_days": settings.REPORT_UNCONFIRMED_RETENTION_DAYS,
                "js_messages": js_messages(),
                "max_photo_bytes": photo_max_bytes(),
            }
        )
        if step != STEP_LOCATION:
            context["location_label"] = self.chosen_location_label()
            context["chosen_point"] = self.chosen_point()
        if step in (STEP_SIMILAR, STEP_DETAILS):
            context["category"] = self.chosen_category()
        if step == STEP_DETAILS and form.is_bound:
            photo_point = self._taken_photo_point(form)
            if photo_point is not None:
                context["location_label"] = location_label(photo_point)
            # A file input cannot be filled in again by the server: say so when the step comes back.
            context["photos_lost"] = bool(
                form.errors and self.request.FILES.getlist(form.add_prefix("photos"))
            )
        if step == STEP_LOCATION:
            context.update(self._location_context(form))
        if step == STEP_SIMILAR:
            labels = selectors.status_labels()
            context["similar"] = [
                {
                    "report": item.report,
                    "distance_m": item.distance_m,
                    "status_label": labels.get(item.report.status),
                }
                for item in self.similar_reports()
            ]
            context.setdefault("support_error", None)
        return context

    def _location_context(self, form: LocationForm) -> dict:
        point = form.point if form.is_bound and getattr(form, "point", None) else None
        if point is None:
            point = self.chosen_point()
        city = geo.current_city()
        map_parts = None
        if city is not None:
            bounds = geo.city_bounds(city=city)
            map_parts = build_map(
                layers=[DISTRICTS_LAYER],
                bounds=None if point is not None else bounds,
                center=(point.y, point.x) if point is not None else None,
                zoom=POINT_ZOOM if point is not None else None,
                aria_label=gettext("Karte von %(city)s: Tippen oder klicken Sie auf den Ort des Mangels.")
                % {"city": city.name},
                locate=False,
            )
        return {
            "map": map_parts,
            "current_point": point,
            "current_label": location_label(point) if point is not None and not form.errors else "",
        }


report_new = never_cache(ReportWizard.as_view())


@never_cache
def report_submitted(request: HttpRequest) -> HttpResponse:
    """Say what happens next: the confirmation link in the e-mail (the address only masked)."""
    submitted = request.session.get(SUBMITTED_SESSION_KEY) or {}
    return render(
        request,
        "defects/submit/submitted.html",
        {"submitted": submitted, "retention_days": settings.REPORT_UNCONFIRMED_RETENTION_DAYS},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def report_confirm(request: HttpRequest, report_id: int, token: str) -> HttpResponse:
    """Confirm a report from the link in the e-mail: GET shows a button (link scanners only GET), POST confirms."""
    report = selectors.report_for_token(report_id=report_id, token=token)
    if report is None:
        return _invalid_link(request)
    if request.method == "POST":
        try:
            report = services.report_confirm(report_id=report.pk, token=token)
        except ReportActionError:
            return _invalid_link(request)
        messages.success(
            request,
            gettext("Vielen Dank! Ihre Meldung ist bestätigt und jetzt öffentlich sichtbar."),
        )
        return redirect(reverse("defects:report_detail", kwargs={"pk": report.pk}))
    return render(
        request,
        "defects/submit/confirm.html",
        {
            "report": report,
            "already_confirmed": report.status != ReportStatus.UNCONFIRMED,
            "location_label": report_place(report),
        },
    )


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "defects/submit/invalid_link.html",
        {"retention_days": settings.REPORT_UNCONFIRMED_RETENTION_DAYS},
        status=404,
    )
