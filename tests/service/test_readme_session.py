"""The README's curl session, run as written (bash and curl) against a real `zooagg serve`."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def session_blocks() -> tuple[str, str]:
    """The README's curl session: the serve command and the commands run in another terminal."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### A curl session"):]
    section = section[:section.index("\n## ")]
    serve, session = re.findall(r"```sh\n(.*?)```", section, re.S)
    return serve.strip(), session


def commands(session: str) -> list[str]:
    """The session's commands: each starts at a line that does not start with a space."""
    found: list[str] = []
    for line in session.splitlines(keepends=True):
        if line[:1].isspace() and found:
            found[-1] += line
        else:
            found.append(line)
    return found


def rows_of(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """A reduction CSV as {(subject, task): {column: cell}}, empty cells left out."""
    return {(row["subject_id"], row["task"]): {k: v for k, v in row.items() if v}
            for row in csv.DictReader(io.StringIO(text))}


def start_server(command: str, cwd: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen([*shlex.split(command), "--port", str(port)], cwd=cwd, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/-/version", timeout=2)
            return process, port
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"`{command}` did not start") from None
            time.sleep(0.1)


def test_the_readme_curl_session_works_as_written(tmp_path: Path) -> None:
    serve, session = session_blocks()
    assert serve == "zooagg serve --data-dir zooagg-data"
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    process, port = start_server(serve, tmp_path, env)
    try:
        done = subprocess.run(["bash", "-e", "-c", session.replace("127.0.0.1:8000", f"127.0.0.1:{port}")],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        post = next(c for c in commands(session) if c.rstrip().endswith("/api/projects/1/classifications"))
        repeat = post.replace("-w '\\n'", "-o /dev/null -w '%{http_code}'").replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        again = subprocess.run(["bash", "-e", "-c", f"TOKEN=$(cat token.txt)\n{repeat}"],
                               cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    out = done.stdout.split("\n")
    project, workflow, upload, posted = (json.loads(line) for line in out[:4])
    assert (project["id"], project["title"]) == (1, "Superluminous supernovae")
    assert (workflow["workflow"]["workflow_id"], workflow["workflow"]["version"]) == (10, "16.55")
    assert (upload["stored"], upload["rejected"]) == (7, 0)
    assert (posted["stored"], posted["duplicates"]) == (1, 0)
    reductions_csv = "\n".join(out[4:out.index("", 4)]) + "\n"
    subject = json.loads(next(line for line in out[out.index("", 4):] if line.startswith("{")))
    assert again.stdout == "200"

    live = rows_of(reductions_csv)
    assert live.pop(("95977009", "T0"))["data.yes"] == "1.0"
    assert "data.yes" not in live.pop(("95977009", "T1"))
    offline = subprocess.run(["zooagg", "run", "examples/slsn/wf_export.csv", "examples/slsn/cls_export.csv", "10",
                              "-d", "out"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert offline.returncode == 0, offline.stderr
    assert live == rows_of((tmp_path / "out" / "workflow_10" / "question_reducer_reductions.csv").read_text())
    assert len(live) == 14
    assert subject["subject_id"] == "95977009"
    first = subject["reductions"][0]
    assert (first["task"], first["rows"][0]["yes"]) == ("T0", 1)
