"""The public API: its names, cheap import, and every docstring example run by doctest."""

from __future__ import annotations

import doctest
import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import zooagg

ROOT = Path(__file__).resolve().parent.parent
#: modules whose docstring examples doctest runs (from the repository root: the examples read
#: tests/golden and examples/)
DOCTESTED = ["zooagg.api", "zooagg.api_project", "zooagg.api_weighting", "zooagg.literal"]


def test_all_is_the_public_table() -> None:
    assert set(zooagg.__all__) == {"AGGREGATION_VERSION", "__version__", *zooagg._PUBLIC}
    for name in zooagg.__all__:
        assert getattr(zooagg, name) is not None


def test_public_names_are_not_shadowed_by_submodules() -> None:
    # importing zooagg.x sets the package attribute x: no public name may be a module's name
    import pkgutil

    modules = {m.name for m in pkgutil.iter_modules(zooagg.__path__)}
    assert not modules & set(zooagg.__all__)


def test_unknown_name() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        zooagg.nope  # noqa: B018


def test_import_is_cheap() -> None:
    code = "import sys, zooagg; print(sorted(m for m in ('pandas', 'pyarrow', 'numpy', 'zooagg.api') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_public_function_has_a_runnable_example() -> None:
    for name in zooagg._PUBLIC:
        value = getattr(zooagg, name)
        if inspect.isfunction(value) or (inspect.isclass(value) and not issubclass(value, Warning | Exception)):
            assert ">>> " in (value.__doc__ or ""), f"{name} has no example in its docstring"


@pytest.mark.parametrize("module_name", DOCTESTED)
def test_docstring_examples(module_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE,
                             report=True, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0
    assert os.getcwd() == str(ROOT)
