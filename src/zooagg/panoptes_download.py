"""`zooagg download`: a project's exports straight from Zooniverse, through panoptes-client.

The API part (find the project or workflow, ask for a fresh export, read its state) goes through
panoptes-client, the Zooniverse team's own client, so credentials and the API address come
from the environment variables it reads: PANOPTES_USERNAME and PANOPTES_PASSWORD (or
PANOPTES_CLIENT_ID and PANOPTES_CLIENT_SECRET), PANOPTES_ENDPOINT. The export file itself
(a media link, often large) is fetched here with `requests` in chunks into `.<name>.part`,
which is renamed to its final name only when complete; an interrupted download resumes from
the part file with an HTTP Range request (or restarts when the server or the export changed).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .errors import ZooaggError

HELP_FLAGS = {"help_option_names": ["-h", "--help"]}
READY_STATES = ("ready", "finished")
CHUNK = 1 << 16
CREDENTIALS_HINT = ("set PANOPTES_USERNAME and PANOPTES_PASSWORD (or PANOPTES_CLIENT_ID and "
                    "PANOPTES_CLIENT_SECRET) for an account that is a collaborator on the project")


class DownloadError(ZooaggError):
    """Zooniverse refused, an export is missing or not ready, or a transfer failed."""


@dataclass
class Export:
    kind: str  # classifications, workflows, subjects
    owner: Any  # the panoptes-client Project or Workflow
    filename: str

    @property
    def label(self) -> str:
        return f"{self.kind} export of {type(self.owner).__name__.lower()} {self.owner.id}"


def _client() -> Any:
    try:
        import panoptes_client
    except ImportError:
        raise DownloadError("zooagg download needs panoptes-client",
                            hint="pip install 'zooagg[panoptes]'") from None
    return panoptes_client


def _api_error(exc: Exception, what: str) -> DownloadError:
    message = str(exc) or type(exc).__name__
    lowered = message.lower()
    if "could not find" in lowered or "not found" in lowered:
        return DownloadError(f"Zooniverse has no {what}: {message}", hint="check the id")
    if any(word in lowered for word in ("logged in", "not authorized", "unauthorized", "forbidden",
                                        "login", "permission", "access")):
        return DownloadError(f"Zooniverse refused the {what}: {message}", hint=CREDENTIALS_HINT)
    return DownloadError(f"Zooniverse API error for the {what}: {message}",
                         hint="try again later; PANOPTES_ENDPOINT says which server is asked")


def connect() -> tuple[Any, Any]:
    """A panoptes-client connection set up from the environment; (Project, Workflow) classes."""
    client = _client()
    from requests import RequestException

    try:
        client.Panoptes.connect(endpoint=os.environ.get("PANOPTES_ENDPOINT") or None)
    except client.panoptes.PanoptesAPIException as exc:
        raise _api_error(exc, "login") from None
    except RequestException as exc:
        raise DownloadError(f"cannot reach Zooniverse: {exc}", hint="check the network and PANOPTES_ENDPOINT") from None
    return client.Project, client.Workflow


def _find(cls: Any, ident: int) -> Any:
    client = _client()
    from requests import RequestException

    try:
        return cls.find(ident)
    except client.panoptes.PanoptesAPIException as exc:
        raise _api_error(exc, f"{cls.__name__.lower()} {ident}") from None
    except RequestException as exc:
        raise DownloadError(f"cannot reach Zooniverse: {exc}", hint="check the network and PANOPTES_ENDPOINT") from None


def _call(export: Export, method: str) -> dict[str, Any]:
    """describe_export / generate_export, with panoptes-client's errors turned into ours."""
    client = _client()
    from requests import RequestException

    try:
        result = getattr(export.owner, method)(export.kind)
    except client.panoptes.PanoptesAPIException as exc:
        raise _api_error(exc, export.label) from None
    except RequestException as exc:
        raise DownloadError(f"cannot reach Zooniverse: {exc}", hint="check the network and PANOPTES_ENDPOINT") from None
    return result if isinstance(result, dict) else {}


def _media(description: dict[str, Any]) -> dict[str, Any] | None:
    media = description.get("media")
    if isinstance(media, list) and media and isinstance(media[0], dict):
        return media[0]
    return None


def _state(media: dict[str, Any] | None) -> str:
    if media is None:
        return "missing"
    metadata = media.get("metadata") or {}
    state = metadata.get("state") if isinstance(metadata, dict) else None
    return str(state) if state else "ready"  # old exports carry no state: they are finished files


def wait_until_ready(export: Export, wait: bool, timeout: float | None, poll: float,
                     say: Callable[[str], None]) -> dict[str, Any]:
    """The export's media once it is ready (polling when `wait`; forever unless `timeout`)."""
    started = time.monotonic()
    while True:
        media = _media(_call(export, "describe_export"))
        state = _state(media)
        if media is not None and state in READY_STATES and media.get("src"):
            return media
        if state == "missing" and not wait:
            raise DownloadError(f"there is no {export.label} yet", hint="pass --generate to ask for one")
        if not wait:
            raise DownloadError(f"the {export.label} is not ready (state {state!r})",
                                hint="pass --wait to wait for it")
        elapsed = time.monotonic() - started
        if timeout is not None and elapsed >= timeout:
            raise DownloadError(f"the {export.label} is still {state!r} after {timeout:g} s",
                                hint="run again later with --wait (without --generate), or a longer --timeout")
        say(f"waiting for the {export.label}: {state} ({elapsed:.0f} s)")
        time.sleep(poll if timeout is None else max(0.0, min(poll, timeout - elapsed)))


def fetch(url: str, target: Path, stamp: str, hide: bool) -> Path:
    """Download `url` to `target` via `.<name>.part`, resuming a part file of the same export."""
    import requests
    from tqdm import tqdm

    part = target.with_name(f".{target.name}.part")
    sidecar = target.with_name(f".{target.name}.part.json")
    have = part.stat().st_size if part.exists() else 0
    if have and (not sidecar.exists() or json.loads(sidecar.read_text(encoding="utf-8")).get("stamp") != stamp):
        have = 0  # a part file of another export: start again
    sidecar.write_text(json.dumps({"stamp": stamp}), encoding="utf-8")
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        response = requests.get(url, headers=headers, stream=True, timeout=60)
    except requests.RequestException as exc:
        raise DownloadError(f"cannot fetch {target.name}: {exc}", hint="run the same command again to resume") from None
    with response:
        if response.status_code == 416 and have:
            response.close()
            part.unlink()
            return fetch(url, target, stamp, hide)
        if response.status_code not in (200, 206):
            raise DownloadError(f"the export link answered HTTP {response.status_code}",
                                hint="links expire after a while: run the same command again for a fresh one")
        if response.status_code == 200:
            have = 0  # the server does not resume: restart cleanly
        total = response.headers.get("Content-Length")
        encoded = response.headers.get("Content-Encoding", "identity") != "identity"
        expected = have + int(total) if total and total.isdigit() and not encoded else None
        # keep the bytes that did arrive when the connection drops; the size check below tells
        response.raw.enforce_content_length = False
        with part.open("ab" if have else "wb") as handle, tqdm(
                total=expected, initial=have, unit="B", unit_scale=True, desc=target.name, file=sys.stderr,
                disable=True if hide else None, leave=False) as bar:
            try:
                for chunk in response.iter_content(CHUNK):
                    handle.write(chunk)
                    bar.update(len(chunk))
            except requests.RequestException as exc:
                raise DownloadError(f"the download of {target.name} was interrupted ({type(exc).__name__})",
                                    hint="run the same command again to resume") from None
    size = part.stat().st_size
    if expected is not None and size != expected:
        raise DownloadError(f"the download of {target.name} stopped at {size} of {expected} bytes",
                            hint="run the same command again to resume")
    _finish(part, target)
    sidecar.unlink(missing_ok=True)
    return target


def _finish(part: Path, target: Path) -> None:
    """Rename the complete part file into place (gunzipping a compressed export first)."""
    with part.open("rb") as handle:
        compressed = handle.read(2) == b"\x1f\x8b"
    if compressed:
        plain = part.with_name(part.name + ".csv")
        with gzip.open(part, "rb") as source, plain.open("wb") as sink:
            shutil.copyfileobj(source, sink, CHUNK)
        os.replace(plain, target)
        part.unlink()
    else:
        os.replace(part, target)


def exports_for(project: Any, workflow: Any | None, project_id: int) -> list[Export]:
    owner = workflow if workflow is not None else project
    prefix = f"workflow-{workflow.id}" if workflow is not None else f"project-{project_id}"
    return [
        Export("classifications", owner, f"{prefix}-classifications.csv"),
        Export("workflows", project, f"project-{project_id}-workflows.csv"),
        Export("subjects", project, f"project-{project_id}-subjects.csv"),
    ]


def download(project_id: int, workflow_id: int | None, generate: bool, wait: bool, out: Path,
             timeout: float | None = None, poll: float = 10.0, hide: bool = False,
             say: Callable[[str], None] = print) -> list[Path]:
    """Fetch the classification (project or workflow), workflow and subject exports into `out`."""
    project_cls, workflow_cls = connect()
    project = _find(project_cls, project_id)
    workflow = _find(workflow_cls, workflow_id) if workflow_id is not None else None
    exports = exports_for(project, workflow, project_id)
    if generate:
        for export in exports:
            _call(export, "generate_export")
            say(f"asked Zooniverse for a fresh {export.label}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for export in exports:
        media = wait_until_ready(export, wait or generate, timeout, poll, say)
        stamp = f"{media.get('id', '')}@{media.get('updated_at', '')}"
        path = fetch(str(media["src"]), out / export.filename, stamp, hide)
        say(f"Saving {export.kind} export to:\n{path}")
        written.append(path)
    return written


@click.command("download", context_settings=HELP_FLAGS)
@click.argument("project_id", type=int)
@click.option("--workflow", "workflow_id", type=int, help="Fetch this workflow's classification export "
              "instead of the whole project's.")
@click.option("--generate", is_flag=True, help="Ask Zooniverse for fresh exports first (implies --wait).")
@click.option("--wait", is_flag=True, help="Wait for exports that are being generated.")
@click.option("--timeout", type=click.FloatRange(min=0), default=None,
              help="Give up waiting after this many seconds [default: wait as long as it takes].")
@click.option("--poll", type=click.FloatRange(min=0), default=10.0, show_default=True,
              help="Seconds between two looks at an export being generated.")
@click.option("-d", "--dir", "directory", default=".", show_default=True, help="Folder for the exports.")
@click.option("-hb", "--hide_bar", is_flag=True, help="Hide the progress bar.")
def download_command(project_id: int, workflow_id: int | None, generate: bool, wait: bool,
                     timeout: float | None, poll: float, directory: str, hide_bar: bool) -> None:
    """Download a project's classification, workflow and subject exports from Zooniverse.

    Needs panoptes-client (pip install 'zooagg[panoptes]'); credentials come from the
    environment variables it reads: PANOPTES_USERNAME and PANOPTES_PASSWORD, or
    PANOPTES_CLIENT_ID and PANOPTES_CLIENT_SECRET (PANOPTES_ENDPOINT picks the server).
    Files are written as .<name>.part and renamed when complete; run the same command again
    to resume an interrupted download.
    """
    download(project_id, workflow_id, generate, wait, Path(directory), timeout, poll, hide_bar, say=click.echo)
