"""The city's geography and organisation: boundary, districts, quarters, streets, places and departments."""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.utils.translation import gettext_lazy as _

from geo_core.models import TimeStampedModel
from geo_core.srid import STORAGE_SRID


class City(TimeStampedModel):
    """The one city an installation serves, with its boundary."""

    name = models.CharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Kurzname"), max_length=100, unique=True)
    official_id = models.CharField(
        _("amtlicher Schlüssel"), max_length=32, blank=True, help_text=_("z. B. der Gemeindeschlüssel (AGS).")
    )
    geom = models.MultiPolygonField(_("Stadtgrenze"), srid=STORAGE_SRID)

    class Meta:
        verbose_name = _("Stadt")
        verbose_name_plural = _("Städte")

    def __str__(self) -> str:
        return self.name


class District(TimeStampedModel):
    """An Ortsratsbereich / Ortschaft: the unit reports are routed by."""

    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="districts", verbose_name=_("Stadt")
    )
    name = models.CharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Kurzname"), max_length=100)
    official_id = models.CharField(_("amtlicher Schlüssel"), max_length=64, blank=True)
    kind = models.CharField(
        _("Art"), max_length=100, blank=True, help_text=_("z. B. Ortsratsbereich oder Sonderbezirk.")
    )
    geom = models.MultiPolygonField(_("Fläche"), srid=STORAGE_SRID)
    area_km2 = models.FloatField(_("Fläche in km²"), default=0)

    class Meta:
        verbose_name = _("Ortsratsbereich")
        verbose_name_plural = _("Ortsratsbereiche")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["city", "slug"], name="district_unique_slug_per_city")]

    def __str__(self) -> str:
        return self.name


class Quarter(TimeStampedModel):
    """A Stadtteil / Ortsteil, lying in exactly one district."""

    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="quarters", verbose_name=_("Ortsratsbereich")
    )
    name = models.CharField(_("Name"), max_length=200)
    slug = models.SlugField(_("Kurzname"), max_length=100)
    official_id = models.CharField(_("amtlicher Schlüssel"), max_length=64, blank=True)
    kind = models.CharField(_("Art"), max_length=100, blank=True)
    geom = models.MultiPolygonField(_("Fläche"), srid=STORAGE_SRID)
    area_km2 = models.FloatField(_("Fläche in km²"), default=0)

    class Meta:
        verbose_name = _("Stadtteil")
        verbose_name_plural = _("Stadtteile")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "slug"], name="quarter_unique_slug_per_district")
        ]

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    """A named street of the local gazetteer (address search and the nearest street of a pin)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="streets", verbose_name=_("Stadt"))
    quarter = models.ForeignKey(
        Quarter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="streets",
        verbose_name=_("Stadtteil"),
    )
    name = models.CharField(_("Name"), max_length=200)
    # Normalised search key (see geo_core.text.normalize_search_text), kept in sync by the import service.
    search_name = models.CharField(_("Suchschlüssel"), max_length=200, editable=False)
    official_id = models.CharField(_("Quell-ID"), max_length=64, blank=True)
    geom = models.MultiLineStringField(_("Verlauf"), srid=STORAGE_SRID)

    class Meta:
        verbose_name = _("Straße")
        verbose_name_plural = _("Straßen")
        ordering = ["name"]
        indexes = [
            GinIndex(fields=["search_name"], opclasses=["gin_trgm_ops"], name="street_search_trgm"),
        ]

    def __str__(self) -> str:
        return self.name


class PointOfInterest(TimeStampedModel):
    """A public place from OpenStreetMap (school, Kita, sports ground …) with the district and quarter it lies in.

    The import keys places by their OSM reference; district and quarter are derived in PostGIS (see
    ``districts.services.poi_areas_assign``), never taken from the file.
    """

    class Category(models.TextChoices):
        KINDERGARTEN = "kindergarten", _("Kindertagesstätte")
        SCHOOL = "school", _("Schule")
        SPORTS_CENTRE = "sports_centre", _("Sportstätte")
        COMMUNITY_CENTRE = "community_centre", _("Gemeinschaftszentrum")
        EVENT_VENUE = "event_venue", _("Veranstaltungsort")
        MUSEUM = "museum", _("Museum")
        HIGHER_EDUCATION = "higher_education", _("Hochschule")
        LIBRARY = "library", _("Bibliothek")
        MARKETPLACE = "marketplace", _("Markt")

    class Wheelchair(models.TextChoices):
        # OSM's wheelchair=* values; most places have none, which says nothing about their access.
        UNKNOWN = "", _("keine Angabe")
        YES = "yes", _("rollstuhlgerecht")
        LIMITED = "limited", _("eingeschränkt rollstuhlgerecht")
        NO = "no", _("nicht rollstuhlgerecht")

    class OsmType(models.TextChoices):
        NODE = "node", _("Punkt (node)")
        WAY = "way", _("Linie oder Fläche (way)")
        RELATION = "relation", _("Relation")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="pois", verbose_name=_("Stadt"))
    name = models.CharField(_("Name"), max_length=200)
    category = models.CharField(_("Kategorie"), max_length=32, choices=Category.choices)
    osm_type = models.CharField(_("OSM-Objekttyp"), max_length=10, choices=OsmType.choices)
    osm_id = models.PositiveBigIntegerField(_("OSM-ID"))
    address = models.CharField(_("Adresse"), max_length=300, blank=True)
    operator = models.CharField(_("Träger"), max_length=200, blank=True)
    website = models.URLField(_("Website"), max_length=500, blank=True)
    wheelchair = models.CharField(
        _("Rollstuhlzugang"),
        max_length=10,
        choices=Wheelchair.choices,
        blank=True,
        default=Wheelchair.UNKNOWN,
    )
    location = models.PointField(_("Ort"), srid=STORAGE_SRID)
    district = models.ForeignKey(
        District,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pois",
        verbose_name=_("Ortsratsbereich"),
    )
    quarter = models.ForeignKey(
        Quarter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pois",
        verbose_name=_("Stadtteil"),
    )

    class Meta:
        verbose_name = _("Öffentliche Einrichtung")
        verbose_name_plural = _("Öffentliche Einrichtungen")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["city", "osm_type", "osm_id"], name="poi_unique_osm_reference_per_city"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def osm_url(self) -> str:
        """Return the object's page on openstreetmap.org (derived: the reference is all OSM needs)."""
        return f"https://www.openstreetmap.org/{self.osm_type}/{self.osm_id}"


class Department(TimeStampedModel):
    """An organisational unit that works reports (Fachbereich, städtischer Betrieb, triage)."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Fachbereich")
        MUNICIPAL_COMPANY = "municipal_company", _("Städtischer Betrieb")
        TRIAGE = "triage", _("Zentrale Annahmestelle")
        EXTERNAL = "external", _("Externe Stelle")

    name = models.CharField(_("Name"), max_length=200, unique=True)
    slug = models.SlugField(_("Kurzname"), max_length=100, unique=True)
    kind = models.CharField(_("Art"), max_length=32, choices=Kind.choices, default=Kind.DEPARTMENT)
    description = models.TextField(_("Aufgaben"), blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    is_sample = models.BooleanField(
        _("Beispieldaten"),
        default=False,
        help_text=_("Angelegt aus Beispieldaten, nicht von der Stadt bestätigt."),
    )

    class Meta:
        verbose_name = _("Fachbereich")
        verbose_name_plural = _("Fachbereiche")
        ordering = ["name"]
        constraints = [
            # Routing falls back to exactly one central triage unit.
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind="triage", is_active=True),
                name="department_one_triage",
            )
        ]

    def __str__(self) -> str:
        return self.name


class GeoDataSource(TimeStampedModel):
    """Where an imported geodata layer came from; its attribution is shown on every map."""

    class Layer(models.TextChoices):
        BOUNDARY = "boundary", _("Stadtgrenze")
        DISTRICTS = "districts", _("Ortsratsbereiche")
        QUARTERS = "quarters", _("Stadtteile")
        STREETS = "streets", _("Straßen")
        POIS = "pois", _("Öffentliche Einrichtungen")

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="sources", verbose_name=_("Stadt"))
    layer = models.CharField(_("Ebene"), max_length=32, choices=Layer.choices)
    attribution = models.CharField(_("Quellenangabe"), max_length=500)
    license = models.CharField(_("Lizenz"), max_length=300, blank=True)
    file_name = models.CharField(_("Datei"), max_length=300, blank=True)
    feature_count = models.PositiveIntegerField(_("Objekte"), default=0)

    class Meta:
        verbose_name = _("Geodatenquelle")
        verbose_name_plural = _("Geodatenquellen")
        constraints = [models.UniqueConstraint(fields=["city", "layer"], name="geodatasource_unique_layer")]

    def __str__(self) -> str:
        return f"{self.get_layer_display()}: {self.attribution}"


class DepartmentMembership(models.Model):
    """A staff member's place in a department: case worker (Sachbearbeitung) or lead."""

    class Role(models.TextChoices):
        CASE_WORKER = "case_worker", _("Sachbearbeitung")
        LEAD = "lead", _("Leitung")

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("Fachbereich")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="department_memberships",
        verbose_name=_("Konto"),
    )
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices, default=Role.CASE_WORKER)

    class Meta:
        verbose_name = _("Mitgliedschaft")
        verbose_name_plural = _("Mitgliedschaften")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "user"], name="membership_unique_user_per_department"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.department} ({self.get_role_display()})"
