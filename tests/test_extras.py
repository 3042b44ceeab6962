"""A plain `pip install zooagg` (no extras): every command that needs an extra says which one,
in one line, instead of a ModuleNotFoundError traceback.

The environment without the extras is real: a folder of links to every installed package
except the extras' own, run with `python -S` so the test environment's site-packages are not
on the path. The modules are really absent, nothing is patched.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

import pytest
from conftest import DATA
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from zooagg.errors import EXTRA_OF_MODULE

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_EXTRAS = ("server", "dask", "plot", "panoptes")


def _requirements(extra: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(text) for text in project["optional-dependencies"][extra]]


def _requirement_names(extra: str) -> set[str]:
    return {canonicalize_name(r.name) for r in _requirements(extra)}


def _closure(extra: str) -> set[str]:
    """The distributions an extra brings, directly or through others (as installed here)."""
    seen: set[str] = set()
    todo = _requirements(extra)
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            needs = [Requirement(text) for text in requires(name) or []]
        except PackageNotFoundError:
            continue
        for need in needs:
            wanted = need.marker is None or any(
                need.marker.evaluate({"extra": e}) for e in requirement.extras or {""})
            if wanted:
                todo.append(need)
    return seen


def test_every_extra_module_belongs_to_its_extra() -> None:
    """EXTRA_OF_MODULE and pyproject.toml agree, both ways."""
    distributions = packages_distributions()
    covered: dict[str, set[str]] = {extra: set() for extra in RUNTIME_EXTRAS}
    for module, extra in EXTRA_OF_MODULE.items():
        if module not in distributions:  # e.g. uvloop on Windows
            continue
        names = {canonicalize_name(d) for d in distributions[module]}
        assert names & _closure(extra), (module, extra, names)
        covered[extra] |= names & _requirement_names(extra)
    for extra in RUNTIME_EXTRAS:
        missing = _requirement_names(extra) - covered[extra] - {"zooagg"}
        assert not missing, f"extra {extra!r}: no import name in EXTRA_OF_MODULE for {missing}"


@pytest.fixture(scope="module")
def bare_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site folder with every installed package except the runtime extras' modules."""
    site = Path(sysconfig.get_paths()["purelib"])
    bare = tmp_path_factory.mktemp("bare-site")
    blocked = set(EXTRA_OF_MODULE)
    for entry in site.iterdir():
        top = entry.name.split(".")[0].split("-")[0]
        if top in blocked or entry.suffix == ".pth":
            continue
        (bare / entry.name).symlink_to(entry)
    return bare


def run_bare(bare: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{bare}"}
    return subprocess.run([sys.executable, "-S", "-m", "zooagg", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(("args", "extra", "module"), [
    (["serve"], "server", "uvicorn"),
    (["member", "add", "alice"], "server", "sqlalchemy"),
    (["plot", "{extract}", "--sample", "1"], "plot", "matplotlib"),
    (["report", "{run}"], "plot", "matplotlib"),
    (["download", "1"], "panoptes", "panoptes"),
    (["extract", str(DATA / "slsn_cls_export.csv"), "{config}", "--engine", "dask"], "dask", "Dask"),
])
def test_missing_extra_is_one_line(bare_path: Path, tmp_path: Path, args: list[str], extra: str,
                                   module: str) -> None:
    run = run_bare(bare_path, "run", str(DATA / "slsn_wf_export.csv"),
                   str(DATA / "slsn_cls_export.csv"), "10", "-d", "out", "-hb", cwd=tmp_path)
    assert run.returncode == 0, run.stderr  # the core commands work without any extra
    out = tmp_path / "out"
    config = next(out.rglob("Extractor_config_*.yaml"))
    extract = next(out.rglob("question_extractor_extractions.csv"))
    filled = [a.format(extract=extract, run=out, config=config) for a in args]
    result = run_bare(bare_path, *filled, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert module in lines[0]
    assert f"pip install 'zooagg[{extra}]'" in lines[0]


def test_help_lists_a_command_whose_extra_is_missing(bare_path: Path, tmp_path: Path) -> None:
    result = run_bare(bare_path, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"serve\s+Run the live aggregation server", result.stdout), result.stdout


def test_server_image_is_slim_and_unprivileged() -> None:
    """The Dockerfile installs the runtime extras only and drops root; what the build context
    must never carry is in .dockerignore. (No container engine here to build it.)"""
    dockerfile = (ROOT / "Dockerfile").read_text()
    runtime = dockerfile.split("FROM ")[-1]
    assert "[server,plot]" in runtime
    for heavy in ("[dev]", "chromium", "playwright", "make venv", "[all]"):
        assert heavy not in dockerfile, heavy
    assert re.search(r"^USER zooagg$", runtime, re.M)
    assert "HEALTHCHECK" in runtime
    assert "/-/version" in runtime
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    ignored = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert {".git", ".venv", "token.txt", "zooagg-data", "tests"} <= ignored
    for copied in re.findall(r"^COPY (?!--)(.+) \S+$", dockerfile, re.M):
        for path in copied.split():
            assert (ROOT / path).exists(), path
            assert path not in ignored, path
