"""numeric/__init__.py: the re-exported public API is the topic modules' own objects, and the modules stay modules."""
import importlib
import types

import pytest

import numeric

MODULES = ("activations", "init", "linear", "propagation", "conv", "receptive_field", "gain", "correlation", "dynamics",
           "gan")


@pytest.mark.parametrize("name", MODULES)
def test_every_topic_module_is_reachable_as_a_module_and_documented(name):
    assert isinstance(getattr(numeric, name), types.ModuleType)
    assert f"``numeric.{name}``" in numeric.__doc__


def test_every_exported_name_is_its_home_modules_object():
    homes = {}
    for module_name in MODULES:
        module = importlib.import_module(f"numeric.{module_name}")
        for name in module.__all__:
            homes.setdefault(name, []).append(getattr(module, name))
    assert len(numeric.__all__) == len(set(numeric.__all__))
    for name in numeric.__all__:
        if name == "NumericError":
            continue
        assert any(getattr(numeric, name) is obj for obj in homes[name]), name


def test_the_public_api_of_every_module_is_exported_but_for_the_stated_exceptions():
    """Everything in a topic module's __all__ is in numeric.__all__, except names a module holds for old
    callers (gain's ACTIVATIONS, normal_cdf and activation; dynamics' ACTIVATIONS), the lists of names
    of propagation, and the names that would shadow a module or be ambiguous (the docstring says which)."""
    kept = {"numeric.gain": {"ACTIVATIONS", "normal_cdf", "activation"}, "numeric.dynamics": {"ACTIVATIONS", "forward"},
            "numeric.linear": {"linear"}, "numeric.receptive_field": {"receptive_field"},
            "numeric.propagation": {"STACK_ELEMENTS", "INITIALIZERS"}}
    for module_name in MODULES:
        module = importlib.import_module(f"numeric.{module_name}")
        missing = set(module.__all__) - set(numeric.__all__) - kept.get(module.__name__, set())
        assert not missing, (module.__name__, missing)
