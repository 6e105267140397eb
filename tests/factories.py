"""factory_boy factories shared by the tests.

Geometry defaults describe a small synthetic city: a 2 km × 2 km square near Wolfsburg split into a west and
an east district along the meridian 10.80 (the shared edge that edge-case tests aim at).
"""

import factory
from django.contrib.gis.geos import LineString, MultiLineString, MultiPolygon, Polygon
from django.utils.text import slugify

from districts.models import City, Department, District, Quarter, Street
from geo_core.accounts.models import User
from geo_core.srid import STORAGE_SRID
from geo_core.text import normalize_search_text

CITY_BBOX = (10.78, 52.41, 10.82, 52.43)
WEST_BBOX = (10.78, 52.41, 10.80, 52.43)
EAST_BBOX = (10.80, 52.41, 10.82, 52.43)


def multipolygon(bbox: tuple[float, float, float, float]) -> MultiPolygon:
    polygon = Polygon.from_bbox(bbox)
    return MultiPolygon(polygon, srid=STORAGE_SRID)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("slug",)

    name = "Teststadt"
    slug = "teststadt"
    official_id = "00000000"
    geom = factory.LazyFunction(lambda: multipolygon(CITY_BBOX))


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"Bezirk {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    geom = factory.LazyFunction(lambda: multipolygon(WEST_BBOX))
    area_km2 = 2.0


class QuarterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quarter

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"Stadtteil {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    geom = factory.LazyAttribute(lambda o: o.district.geom)
    area_km2 = 2.0


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street

    city = factory.SubFactory(CityFactory)
    name = factory.Sequence(lambda n: f"Teststraße {n}")
    search_name = factory.LazyAttribute(lambda o: normalize_search_text(o.name))
    geom = factory.LazyFunction(
        lambda: MultiLineString(LineString((10.785, 52.415), (10.795, 52.415)), srid=STORAGE_SRID)
    )


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"Fachbereich {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = Department.Kind.DEPARTMENT
