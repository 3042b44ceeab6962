"""Each component's typed `Param` default is the default of its function's keyword: a config
that leaves a parameter out gets what `zooagg list` and the docs say it gets."""

from __future__ import annotations

import inspect

import pytest

from zooagg import registry

COMPONENTS = [(kind, name) for kind in registry.KINDS for name in registry.components(kind)]


@pytest.mark.parametrize(("kind", "name"), COMPONENTS)
def test_param_default_is_the_function_default(kind: registry.Kind, name: str) -> None:
    component = registry.get(kind, name)
    signature = inspect.signature(component.func).parameters
    differing = {key: (param.default, signature[key].default) for key, param in component.params.items()
                 if key in signature and signature[key].default is not inspect.Parameter.empty
                 and signature[key].default != param.default}
    assert differing == {}


@pytest.mark.parametrize(("kind", "name"), COMPONENTS)
def test_every_param_is_a_keyword_of_the_function(kind: registry.Kind, name: str) -> None:
    component = registry.get(kind, name)
    signature = inspect.signature(component.func).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.values())
    assert takes_any or set(component.params) <= set(signature)
