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


def _architecture_paths() -> set[str]:
    """Every module or package docs/architecture.md names in backticks (`run/`, `store.py`,
    `service/plan.py`), each as written."""
    import re

    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    return {part for token in re.findall(r"`([^`\s]+)`", text) for part in re.split(r"[ ,]", token)
            if part.endswith((".py", "/"))}


def test_the_architecture_page_names_only_modules_that_exist() -> None:
    """A path is looked for from src/zooagg (then from the repository: tests/...; then beside the
    service: templates/); a bare file name in any package (the tables name `store.py` in the
    registry/ row)."""
    src = ROOT / "src" / "zooagg"
    names = {path.name for path in src.rglob("*.py")}

    def exists(path: str) -> bool:
        if "/" not in path:
            return path in names
        return any((base / path).exists() for base in (src, ROOT, src / "service"))

    assert [path for path in sorted(_architecture_paths()) if not exists(path)] == []


def test_every_top_level_module_is_on_the_architecture_page() -> None:
    src = ROOT / "src" / "zooagg"
    named = _architecture_paths()
    modules = [p.name for p in src.glob("*.py") if p.name != "__main__.py"] + \
        [f"{p.name}/" for p in src.iterdir() if (p / "__init__.py").exists()]
    missing = [module for module in sorted(modules) if module not in named]
    assert missing == []
