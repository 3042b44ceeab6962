"""The docs cannot fall behind the code: generated references are current, and every command
and registered component is named in the docs a team reads."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from zooagg import registry
from zooagg.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def _make_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_docs", ROOT / "scripts" / "make_docs.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_current() -> None:
    written = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert written == _make_docs().cli_reference(), "docs/cli.md is stale: run python scripts/make_docs.py"


def test_components_reference_is_current() -> None:
    written = (ROOT / "docs" / "components.md").read_text(encoding="utf-8")
    assert written == _make_docs().components_reference(), \
        "docs/components.md is stale: run python scripts/make_docs.py"


def test_api_reference_is_current() -> None:
    written = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert written == _make_docs().api_reference(), "docs/api.md is stale: run python scripts/make_docs.py"


def test_every_public_name_is_in_the_api_docs() -> None:
    import zooagg

    reference = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    tutorial = (ROOT / "docs" / "python.md").read_text(encoding="utf-8")
    for name in zooagg.__all__:
        if not name.startswith("_") and name != "AGGREGATION_VERSION":
            assert f"zooagg.{name}" in reference, name
    for name in ("read_table", "make_configs", "extract", "reduce", "run_project", "consensus_table"):
        assert f"zooagg.{name}(" in tutorial, name


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in cli.list_commands(None) if f"zooagg {name}" not in readme]  # type: ignore[arg-type]
    assert not missing, f"README does not show: {missing}"


def test_every_component_is_documented() -> None:
    text = (ROOT / "docs" / "components.md").read_text(encoding="utf-8")
    for kind in registry.KINDS:
        for name in registry.components(kind):
            assert f"`{name}`" in text
