"""Write docs/cli.md (every command's --help), docs/components.md (the registry) and
docs/api.md (the Python API's docstrings).

Run `python scripts/make_docs.py`; tests/test_docs.py fails when any of them is stale.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

import zooagg
from zooagg import registry
from zooagg.cli import cli

DOCS = Path(__file__).resolve().parent.parent / "docs"


def cli_reference() -> str:
    runner = CliRunner()
    parts = ["# Command reference\n", "Generated from `--help` by `scripts/make_docs.py`.\n"]
    for name in [None, *cli.list_commands(None)]:  # type: ignore[arg-type]
        args = [name, "--help"] if name else ["--help"]
        result = runner.invoke(cli, args, prog_name="zooagg", terminal_width=100)
        title = f"zooagg {name}" if name else "zooagg"
        parts.append(f"## `{title}`\n\n```\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


def components_reference() -> str:
    parts = ["# Extractors, reducers and weighting methods\n",
             "Generated from the registry by `scripts/make_docs.py` (also: `zooagg list`).\n"]
    for kinds, items in registry.describe().items():
        parts.append(f"## {kinds.replace('_', ' ').capitalize()}\n")
        if kinds == "running_reducers":
            parts.append("Store-based reducers for Caesar's `POST /running_reducers/<name>` "
                         "(see [server.md](server.md)).\n")
        if kinds == "weightings":
            parts.append("Volunteer-weighting methods over a whole workflow: `zooagg weight -m <name>` "
                         "(see [weighting.md](weighting.md)).\n")
        for item in items:
            parts.append(f"### `{item['name']}`\n\n{item['doc'] or '(no description)'}\n")
            if kinds == "weightings":
                kind_notes = [note for flag, note in ((item["task_types"], "Yes/no tasks only."),
                                                      (item["wants"], "Learns from gold subjects (seeded).")) if flag]
                parts.append(" ".join(kind_notes) + "\n" if kind_notes else "")
            elif item["task_types"]:
                parts.append(f"Default for task types: {', '.join(item['task_types'])}.\n")
            if item["default_reducer"]:
                parts.append(f"Default reducer: `{item['default_reducer']}`.\n")
            if item["params"]:
                parts.append("| parameter | type | default | meaning |\n|---|---|---|---|")
                for key, param in item["params"].items():
                    parts.append(f"| `{key}` | {param['type']} | `{param['default']!r}` | {param['help']} |")
                parts.append("")
    return "\n".join(parts)


def api_reference() -> str:
    """Every name in `zooagg.__all__`: signature and docstring (examples included), classes with
    their public methods and properties."""
    parts = ["# Python API reference\n",
             "Generated from the docstrings by `scripts/make_docs.py`; a tutorial is in "
             "[python.md](python.md). Every example here runs in `make test` (doctest).\n",
             "In the signatures, `Source` is a path, a pandas DataFrame or a pyarrow Table; `Frame` is "
             "a pandas DataFrame (a pyarrow Table when pandas is not installed); `PathLike` is a "
             "`str` or `pathlib.Path`; `Layout` is `\"wide\"`, `\"marks\"` or `\"clusters\"`.\n"]
    names = [n for n in zooagg.__all__ if not n.startswith("_") and n != "AGGREGATION_VERSION"]
    functions = [n for n in names if inspect.isfunction(getattr(zooagg, n))]
    classes = [n for n in names if n not in functions and not issubclass(getattr(zooagg, n), Exception)]
    errors = [n for n in names if n not in functions and n not in classes]
    parts.append("## Functions\n")
    parts += [_entry(f"zooagg.{n}", getattr(zooagg, n), "###") for n in functions]
    parts.append("## Classes\n")
    for name in classes:
        cls = getattr(zooagg, name)
        parts.append(_entry(f"zooagg.{name}", cls, "###"))
        for member, value in vars(cls).items():
            if member.startswith("_"):
                continue
            target = value.__func__ if isinstance(value, classmethod) else value
            if isinstance(target, property) or inspect.isfunction(target):
                parts.append(_entry(f"{name}.{member}", target, "####"))
    parts.append("## Errors\n")
    parts.append("Every error is a `zooagg.ZooaggError`; `str(error)` is the one line the CLI prints "
                 "after `Error:` (where, what, what to do). Warnings are `zooagg.ZooaggWarning`s.\n")
    parts += [f"- `zooagg.{n}`: {inspect.getdoc(getattr(zooagg, n))}" for n in errors]
    return "\n".join(parts) + "\n"


def _entry(title: str, value: Any, level: str) -> str:
    if isinstance(value, property):
        head = f"{level} `{title}` (property)"
    elif inspect.isclass(value):
        head = f"{level} `class {title}`"
    else:
        head = f"{level} `{title}{_signature(value)}`"
    return f"{head}\n\n{_fenced(inspect.getdoc(value) or '(no description)')}\n"


def _signature(func: Any) -> str:
    """A signature as written in the source (annotations are strings there: no quotes added)."""
    signature = inspect.signature(func)
    parts: list[str] = []
    for param in signature.parameters.values():
        if param.kind == param.KEYWORD_ONLY and not any(p.startswith("*") for p in parts):
            parts.append("*")
        text = ("*" if param.kind == param.VAR_POSITIONAL else "") + param.name
        if param.annotation is not param.empty:
            text += f": {param.annotation}"
        if param.default is not param.empty:
            text += f" = {param.default!r}"
        parts.append(text)
    returns = "" if signature.return_annotation is signature.empty else f" -> {signature.return_annotation}"
    return f"({', '.join(parts)}){returns}"


def _fenced(doc: str) -> str:
    """A docstring as Markdown: its doctest examples (from `>>>` to the next blank line) fenced."""
    out: list[str] = []
    inside = False
    for line in doc.splitlines():
        if line.startswith(">>>") and not inside:
            out.append("```pycon")
            inside = True
        elif inside and not line.strip():
            out.append("```")
            inside = False
        out.append(line)
    if inside:
        out.append("```")
    return "\n".join(out)


def main() -> int:
    (DOCS / "api.md").write_text(api_reference(), encoding="utf-8")
    (DOCS / "cli.md").write_text(cli_reference(), encoding="utf-8")
    (DOCS / "components.md").write_text(components_reference(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
