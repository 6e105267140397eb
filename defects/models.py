"""The Mängelmelder: categories, responsibilities, reports, their history, photos and subscriptions."""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from districts.models import Department, District, Quarter
from geo_core.models import TimeStampedModel
from geo_core.srid import STORAGE_SRID

DESCRIPTION_MAX_LENGTH = 4000
MAX_PHOTOS_PER_REPORT = 5


class CategoryGroup(models.Model):
    """A heading that groups categories in the form, e.g. "Straße und Verkehr"."""

    name = models.CharField(_("Name"), max_length=100, unique=True)
    slug = models.SlugField(_("Kurzname"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Kategoriegruppe")
        verbose_name_plural = _("Kategoriegruppen")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """What is broken. Decides the questions asked, the duplicate radius and the target time."""

    group = models.ForeignKey(
        CategoryGroup, on_delete=models.PROTECT, related_name="categories", verbose_name=_("Gruppe")
    )
    name = models.CharField(_("Name"), max_length=100, unique=True)
    slug = models.SlugField(_("Kurzname"), max_length=100, unique=True)
    description = models.TextField(
        _("Beschreibung"), blank=True, help_text=_("Was gehört in diese Kategorie?")
    )
    icon = models.CharField(
        _("Symbol"),
        max_length=50,
        blank=True,
        help_text=_("Name eines Symbols aus defects/static/defects/icons/."),
    )
    duplicate_radius_m = models.PositiveIntegerField(
        _("Umkreis für ähnliche Meldungen (m)"),
        default=50,
        help_text=_("Offene Meldungen dieser Kategorie in diesem Umkreis werden vor dem Absenden gezeigt."),
    )
    target_days = models.PositiveSmallIntegerField(
        _("Zielzeit (Arbeitstage)"),
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("In wie vielen Arbeitstagen eine Meldung erledigt sein soll."),
    )
    is_active = models.BooleanField(_("aktiv"), default=True)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Kategorie")
        verbose_name_plural = _("Kategorien")
        ordering = ["group__position", "position", "name"]

    def __str__(self) -> str:
        return self.name


class CategoryQuestion(models.Model):
    """An extra question a category asks the reporter, e.g. the number on a street-light pole."""

    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("Ja/Nein")
        NUMBER = "number", _("Zahl")
        TEXT = "text", _("Text")
        SINGLE_CHOICE = "single_choice", _("Einfachauswahl")
        MULTIPLE_CHOICE = "multiple_choice", _("Mehrfachauswahl")

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="questions", verbose_name=_("Kategorie")
    )
    key = models.SlugField(
        _("Schlüssel"), max_length=50, help_text=_("Stabiler Name der Antwort in der API, z. B. mast_nummer.")
    )
    label = models.CharField(_("Frage"), max_length=200)
    help_text = models.CharField(_("Hilfetext"), max_length=300, blank=True)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    choices = ArrayField(
        models.CharField(max_length=100),
        verbose_name=_("Auswahlmöglichkeiten"),
        default=list,
        blank=True,
        help_text=_("Nur bei Einfach- und Mehrfachauswahl."),
    )
    required = models.BooleanField(_("Pflichtangabe"), default=False)
    position = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        verbose_name = _("Zusatzfrage")
        verbose_name_plural = _("Zusatzfragen")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["category", "key"], name="question_unique_key")]

    def __str__(self) -> str:
        return self.label


class Responsibility(TimeStampedModel):
    """Which department handles a category, in one district or citywide (district empty)."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="responsibilities", verbose_name=_("Kategorie")
    )
    district = models.ForeignKey(
        District,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="responsibilities",
        verbose_name=_("Ortsratsbereich"),
        help_text=_("Leer: gilt im ganzen Stadtgebiet, wenn kein Ortsratsbereich eine eigene Regel hat."),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="responsibilities", verbose_name=_("Fachbereich")
    )

    class Meta:
        verbose_name = _("Zuständigkeit")
        verbose_name_plural = _("Zuständigkeiten")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "district"], name="responsibility_unique_per_district"
            ),
            models.UniqueConstraint(
                fields=["category"], condition=models.Q(district=None), name="responsibility_unique_citywide"
            ),
        ]

    def __str__(self) -> str:
        where = self.district.name if self.district_id else _("stadtweit")
        return f"{self.category} / {where} → {self.department}"


class ReportStatus(models.TextChoices):
    """The fixed types of the lifecycle; their public labels are editable (see StatusLabel)."""

    UNCONFIRMED = "unconfirmed", _("unbestätigt")
    OPEN = "open", _("offen")
    IN_PROGRESS = "in_progress", _("in Bearbeitung")
    RESOLVED = "resolved", _("erledigt")
    REJECTED = "rejected", _("nicht zuständig")
    DUPLICATE = "duplicate", _("bereits gemeldet")
    CLOSED = "closed", _("geschlossen")
    REOPENED = "reopened", _("wieder geöffnet")


class StatusLabel(models.Model):
    """The public wording of a status, editable by moderators (e.g. "geschlossen – nicht behoben")."""

    status = models.CharField(_("Status"), max_length=20, choices=ReportStatus.choices, unique=True)
    label = models.CharField(_("Öffentliche Bezeichnung"), max_length=100)
    label_en = models.CharField(_("Öffentliche Bezeichnung (englisch)"), max_length=100, blank=True)
    description = models.CharField(_("Erläuterung"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Statusbezeichnung")
        verbose_name_plural = _("Statusbezeichnungen")
        ordering = ["status"]

    def __str__(self) -> str:
        return self.label


class Priority(models.TextChoices):
    LOW = "low", _("niedrig")
    NORMAL = "normal", _("normal")
    HIGH = "high", _("hoch")
    URGENT = "urgent", _("dringend")


class Report(TimeStampedModel):
    """A defect reported by a citizen, routed to exactly one department."""

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="reports", verbose_name=_("Kategorie")
    )
    location = models.PointField(_("Ort"), srid=STORAGE_SRID)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="reports", verbose_name=_("Ortsratsbereich")
    )
    quarter = models.ForeignKey(
        Quarter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("Stadtteil"),
    )
    address_label = models.CharField(
        _("Adresse"), max_length=200, blank=True, help_text=_("Nächste Straße laut Straßenverzeichnis.")
    )
    answers = models.JSONField(_("Antworten auf Zusatzfragen"), default=dict, blank=True)
    description = models.TextField(
        _("Beschreibung"), blank=True, validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)]
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.UNCONFIRMED
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="reports", verbose_name=_("Fachbereich")
    )
    routing_reason = models.CharField(_("Begründung der Zuordnung"), max_length=300)
    needs_triage = models.BooleanField(
        _("Zuordnung prüfen"),
        default=False,
        help_text=_("Keine Zuständigkeit gefunden: bei der Annahmestelle."),
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("Duplikat von"),
    )
    # The reporter: private. Never in a public page, API response or log line.
    reporter_name = models.CharField(_("Name der meldenden Person"), max_length=100, blank=True)
    reporter_email = models.EmailField(_("E-Mail der meldenden Person"), blank=True)
    reporter_phone = models.CharField(_("Telefon der meldenden Person"), max_length=50, blank=True)
    privacy_consent_at = models.DateTimeField(_("Einwilligung Datenschutz am"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("Konto der meldenden Person"),
    )
    # SHA-256 of the secret in the reporter's links (confirm, withdraw, anonymise, reopen); the secret itself is
    # only ever in the e-mail.
    reporter_token_hash = models.CharField(max_length=64, editable=False, db_index=True)
    # Set by the client per form; a second submit with the same key returns the first report (idempotent).
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    confirmed_at = models.DateTimeField(_("bestätigt am"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("erledigt am"), null=True, blank=True)
    closed_at = models.DateTimeField(_("abgeschlossen am"), null=True, blank=True)
    # The reporter withdrew the report: it leaves every public list and map, its history stays for the city.
    withdrawn_at = models.DateTimeField(_("zurückgezogen am"), null=True, blank=True)
    # --- The department's work on the report (workspace) ---
    priority = models.CharField(
        _("Priorität"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_reports",
        verbose_name=_("bearbeitet von"),
    )
    accepted_at = models.DateTimeField(_("Zuständigkeit angenommen am"), null=True, blank=True)
    due_date = models.DateField(
        _("Zieldatum"), null=True, blank=True, help_text=_("Aus der Zielzeit der Kategorie in Arbeitstagen.")
    )
    # Optimistic locking: every staff action names the version it saw; a stale version is a conflict.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("Meldung")
        verbose_name_plural = _("Meldungen")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="report_status_created"),
            models.Index(fields=["department", "status", "-created_at"], name="report_queue"),
            models.Index(fields=["category", "status"], name="report_category_status"),
            models.Index(fields=["district", "status"], name="report_district_status"),
            # The department queue's keyset: newest first, id as the tie-breaker.
            models.Index(fields=["department", "-created_at", "-id"], name="report_queue_keyset"),
            # Every report by time: the queue of all departments (planners, moderators) in keyset order, and
            # the planners' time windows (without it a window walks the whole keyset index above).
            models.Index(fields=["-created_at", "-id"], name="report_created_keyset"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category}"


class QueueStatusCount(models.Model):
    """How many reports of a department are in each status, unconfirmed ones not counted.

    Kept by database triggers on the reports' table (migration 0004), for every way a report is written:
    services, the generator's set-based SQL, re-routing, deletions and TRUNCATE. The queue's status tabs read
    these few rows instead of counting a department's whole history (300,000 reports at a million) per page.
    """

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=ReportStatus.choices)
    count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("Anzahl je Status")
        verbose_name_plural = _("Anzahlen je Status")
        constraints = [
            models.UniqueConstraint(fields=["department", "status"], name="queue_status_count_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.department_id} {self.status}: {self.count}"


class ReportPhoto(models.Model):
    """A photo of a report, stored only after it was decoded, re-encoded and stripped of all metadata."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Foto der Meldung")
        AFTER = "after", _("Foto nach Erledigung")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="photos", verbose_name=_("Meldung")
    )
    image = models.ImageField(
        _("Bild"), upload_to="reports/%Y/%m/", width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    kind = models.CharField(_("Art"), max_length=10, choices=Kind.choices, default=Kind.REPORT)
    is_public = models.BooleanField(_("öffentlich"), default=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Foto")
        verbose_name_plural = _("Fotos")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.position}"


class ReportEvent(models.Model):
    """One entry of a report's history: who changed what, when, with the public and the internal text."""

    class Kind(models.TextChoices):
        CREATED = "created", _("gemeldet")
        CONFIRMED = "confirmed", _("E-Mail bestätigt")
        STATUS_CHANGED = "status_changed", _("Status geändert")
        FORWARDED = "forwarded", _("weitergeleitet")
        HANDED_BACK = "handed_back", _("an die Annahmestelle zurückgegeben")
        SUPPORTED = "supported", _("unterstützt")
        REOPEN_REQUESTED = "reopen_requested", _("Wiedereröffnung erbeten")
        WITHDRAWN = "withdrawn", _("zurückgezogen")
        ANONYMISED = "anonymised", _("Name entfernt")
        PHOTO_ADDED = "photo_added", _("Foto hinzugefügt")
        NOTE = "note", _("Notiz")
        ACCEPTED = "accepted", _("Zuständigkeit angenommen")
        ASSIGNED = "assigned", _("zugewiesen")
        PRIORITY_CHANGED = "priority_changed", _("Priorität geändert")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="events", verbose_name=_("Meldung")
    )
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)
    # Staff or a signed-in person; None for the reporter acting through their e-mailed link, or the system.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="report_events",
        verbose_name=_("durch"),
    )
    actor_label = models.CharField(
        _("durch (Bezeichnung)"),
        max_length=100,
        blank=True,
        help_text=_("z. B. „meldende Person“, „System“."),
    )
    from_status = models.CharField(_("von Status"), max_length=20, choices=ReportStatus.choices, blank=True)
    to_status = models.CharField(_("zu Status"), max_length=20, choices=ReportStatus.choices, blank=True)
    from_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("von Fachbereich"),
    )
    to_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("an Fachbereich"),
    )
    public_message = models.TextField(_("öffentliche Nachricht"), blank=True)
    internal_note = models.TextField(_("interne Notiz"), blank=True)

    class Meta:
        verbose_name = _("Verlaufseintrag")
        verbose_name_plural = _("Verlauf")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["report", "created_at"], name="report_event_history")]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.get_kind_display()}"


class Subscription(models.Model):
    """Someone who gets an e-mail on each public change of a report: the reporter or a supporter."""

    class Role(models.TextChoices):
        REPORTER = "reporter", _("meldende Person")
        SUPPORTER = "supporter", _("unterstützende Person")

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("Meldung")
    )
    email = models.EmailField(_("E-Mail"))
    role = models.CharField(_("Rolle"), max_length=10, choices=Role.choices)
    # SHA-256 of the secret in the unsubscribe / confirm link.
    token_hash = models.CharField(max_length=64, editable=False, db_index=True)
    confirmed_at = models.DateTimeField(_("bestätigt am"), null=True, blank=True)
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Abonnement")
        verbose_name_plural = _("Abonnements")
        constraints = [models.UniqueConstraint(fields=["report", "email"], name="subscription_unique_email")]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.get_role_display()}"


class ResponseTemplate(TimeStampedModel):
    """A prepared public message for a status change, maintained by department leads."""

    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="response_templates",
        verbose_name=_("Fachbereich"),
        help_text=_("Leer: für alle Fachbereiche."),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="response_templates",
        verbose_name=_("Kategorie"),
        help_text=_("Leer: für alle Kategorien."),
    )
    status = models.CharField(
        _("für Status"),
        max_length=20,
        choices=ReportStatus.choices,
        blank=True,
        help_text=_("Leer: für jeden Status."),
    )
    title = models.CharField(_("Titel"), max_length=100)
    text = models.TextField(_("Text"), validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)])
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("Antwortvorlage")
        verbose_name_plural = _("Antwortvorlagen")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class SavedQueueFilter(models.Model):
    """A named set of queue filters a staff member saved for themselves."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_queue_filters",
        verbose_name=_("Konto"),
    )
    name = models.CharField(_("Name"), max_length=100)
    query = models.CharField(_("Filter"), max_length=1000, help_text=_("Die Filter als Query-String."))
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Gespeicherter Filter")
        verbose_name_plural = _("Gespeicherte Filter")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique_name")]

    def __str__(self) -> str:
        return self.name
