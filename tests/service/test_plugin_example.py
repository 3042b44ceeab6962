"""examples/plugin-example, installed for real: pip puts the package and its entry point in a
folder on PYTHONPATH, and zooagg finds it through the `zooagg.plugins` group in `list`,
`extract`, `reduce` and `zooagg serve` (docs/plugins.md)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import free_port, spawn

EXAMPLE = Path(__file__).parents[2] / "examples" / "plugin-example"
HEADER = ["classification_id", "user_name", "user_id", "user_ip", "workflow_id", "workflow_name", "workflow_version",
          "created_at", "gold_standard", "expert", "metadata", "annotations", "subject_data", "subject_ids"]
ANSWERS = [(1, "ada", 11, "A frog sat by the pond", 501), (2, "brunel", 12, "Frog and TOAD", 501),
           (3, "ada", 11, "toad", 502), (4, "curie", 13, "frogs everywhere", 502)]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a process that has the example plugin installed (and nothing else new)."""
    work = tmp_path_factory.mktemp("plugin")
    source = shutil.copytree(EXAMPLE, work / "source")  # the build writes into its source folder
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                           str(work / "site"), str(source)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (work / "site" / "zooagg_keywords" / "components.py").exists()
    return {**os.environ, "PYTHONPATH": str(work / "site")}


def _zooagg(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zooagg", *args], capture_output=True, text=True, env=env)


def test_list_shows_the_plugins_components(installed: dict[str, str]) -> None:
    listed = json.loads(_zooagg(["list", "--json"], installed).stdout)
    extractors = {c["name"]: c for c in listed["extractors"]}
    assert extractors["keyword_extractor"]["default_reducer"] == "keyword_reducer"
    assert set(extractors["keyword_extractor"]["params"]) == {"keywords", "case_sensitive"}
    assert "keyword_reducer" in {c["name"] for c in listed["reducers"]}
    assert "keyword_extractor" not in _zooagg(["list"], dict(os.environ)).stdout  # only where installed


def test_extract_and_reduce_with_the_plugin(installed: dict[str, str], tmp_path: Path) -> None:
    export = tmp_path / "classifications.csv"
    with export.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for cid, name, uid, text, subject in ANSWERS:
            writer.writerow([cid, name, uid, "", 7, "Ponds", "1.1", f"2024-05-0{cid} 10:00:00 UTC", "", "", "{}",
                             json.dumps([{"task": "T0", "value": text}]), json.dumps({str(subject): {}}), subject])
    (tmp_path / "extract.yaml").write_text(
        "extractor_config:\n    keyword_extractor:\n    -   task: T0\n        keywords: frog,toad\n"
        "workflow_id: 7\nworkflow_version: '1.1'\n")
    (tmp_path / "reduce.yaml").write_text("reducer_config:\n    keyword_reducer: {}\n")
    done = _zooagg(["extract", str(export), str(tmp_path / "extract.yaml"), "-d", str(tmp_path), "-hb"], installed)
    assert done.returncode == 0, done.stderr
    done = _zooagg(["reduce", str(tmp_path / "keyword_extractor_extractions.csv"), str(tmp_path / "reduce.yaml"),
                    "-d", str(tmp_path), "-hb", "-F", "all"], installed)
    assert done.returncode == 0, done.stderr
    with (tmp_path / "keyword_reducer_reductions.csv").open(newline="") as handle:
        rows = {r["subject_id"]: r for r in csv.DictReader(handle)}
    # 501: "A frog ..." and "Frog and TOAD"; 502: "toad" and "frogs everywhere" (not the word frog);
    # a count column with a gap is written as floats, as the peer's pandas writes it
    assert (rows["501"]["data.frog"], rows["501"]["data.toad"], rows["501"]["data.volunteers"]) == ("2.0", "1", "2")
    assert (rows["502"]["data.frog"], rows["502"]["data.toad"], rows["502"]["data.volunteers"]) == ("", "1", "2")


@pytest.fixture(scope="module")
def plugin_server(installed: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    process = spawn(["--data-dir", str(tmp_path_factory.mktemp("data"))], port, env=installed)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_server_routes_the_plugin(plugin_server: str) -> None:
    body = {"annotations": {"T0": [{"task": "T0", "value": "A Frog and a toad"}]}}
    answer = httpx.post(f"{plugin_server}/extractors/keyword_extractor?task=T0&keywords=frog,toad&case_sensitive=true",
                        json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    assert {k: v for k, v in answer.json().items() if k != "aggregation_version"} == {"toad": 1}
    reduced = httpx.post(f"{plugin_server}/reducers/keyword_reducer",
                         json=[{"data": {"toad": 1}, "user_id": 1}, {"data": {"toad": 1, "frog": 1}, "user_id": 2}],
                         timeout=60)
    assert {k: v for k, v in reduced.json().items() if k != "aggregation_version"} == {"frog": 1, "toad": 2, "volunteers": 2}
    refused = httpx.post(f"{plugin_server}/extractors/keyword_extractor?case_sensitive=perhaps", json=body, timeout=60)
    assert refused.status_code == 422
    assert refused.json()["parameter"] == "case_sensitive"
