"""Write docs/cli.md (every command's --help) and docs/components.md (the registry).

Run `python scripts/make_docs.py`; tests/test_docs.py fails when either file is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

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
    parts = ["# Extractors and reducers\n",
             "Generated from the registry by `scripts/make_docs.py` (also: `zooagg list`).\n"]
    for kinds, items in registry.describe().items():
        parts.append(f"## {kinds.replace('_', ' ').capitalize()}\n")
        if kinds == "running_reducers":
            parts.append("Store-based reducers for Caesar's `POST /running_reducers/<name>` "
                         "(see [server.md](server.md)).\n")
        for item in items:
            parts.append(f"### `{item['name']}`\n\n{item['doc'] or '(no description)'}\n")
            if item["task_types"]:
                parts.append(f"Default for task types: {', '.join(item['task_types'])}.\n")
            if item["default_reducer"]:
                parts.append(f"Default reducer: `{item['default_reducer']}`.\n")
            if item["params"]:
                parts.append("| parameter | type | default | meaning |\n|---|---|---|---|")
                for key, param in item["params"].items():
                    parts.append(f"| `{key}` | {param['type']} | `{param['default']!r}` | {param['help']} |")
                parts.append("")
    return "\n".join(parts)


def main() -> int:
    (DOCS / "cli.md").write_text(cli_reference(), encoding="utf-8")
    (DOCS / "components.md").write_text(components_reference(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
