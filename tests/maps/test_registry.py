"""The layer registry: apps register layers by name, the maps machinery looks them up."""

import pytest

from districts.api.serializers import DistrictSerializer
from districts.selectors import district_layer_queryset
from maps.registry import LayerAlreadyRegistered, MapLayer, UnknownLayer


def make_layer(name: str = "test-layer", **kwargs) -> MapLayer:
    return MapLayer(
        name=name,
        title="Testebene",
        queryset=district_layer_queryset,
        serializer_class=DistrictSerializer,
        **kwargs,
    )


def test_registered_layer_is_found_by_name(isolated_registry):
    # given
    layer = isolated_registry.register(make_layer())

    # then
    assert isolated_registry.get_layer("test-layer") is layer
    assert layer in isolated_registry.all_layers()


def test_registering_the_same_layer_twice_is_harmless(isolated_registry):
    layer = make_layer()

    isolated_registry.register(layer)
    isolated_registry.register(layer)

    assert [found for found in isolated_registry.all_layers() if found.name == "test-layer"] == [layer]


def test_another_layer_under_a_taken_name_is_refused(isolated_registry):
    isolated_registry.register(make_layer())

    with pytest.raises(LayerAlreadyRegistered):
        isolated_registry.register(make_layer())


def test_unknown_layer_raises_unknown_layer(isolated_registry):
    with pytest.raises(UnknownLayer):
        isolated_registry.get_layer("no-such-layer")


def test_layer_defaults():
    layer = make_layer()

    assert layer.geometry_field == "geom"
    assert layer.label_property is None
    assert layer.attribution() == []
    assert layer.max_features_per_request == 500


def test_districts_app_registers_its_layers(isolated_registry):
    names = {layer.name for layer in isolated_registry.all_layers()}

    assert {"districts", "quarters"} <= names


@pytest.mark.parametrize("name", ["districts", "quarters"])
def test_district_layers_are_labelled_by_name_and_styled(isolated_registry, name):
    layer = isolated_registry.get_layer(name)

    assert layer.label_property == "name"
    assert layer.style["color"].startswith("#")
    assert layer.serializer_class.Meta.geo_field == layer.geometry_field
