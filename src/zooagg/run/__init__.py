"""config -> extract -> reduce as a library: one step at a time, one workflow, or a whole project.

The `zooagg config/extract/reduce/run` commands are thin callers of these functions; anything
else (the Python API, a notebook) calls them the same way. A run talks to its user only through
a `Console` (the CLI's prints and draws a progress bar; the default one says nothing), and a
project run returns the manifest it writes to `zooagg-run.json`.

By what each part does:

- `console.py`: `Console` (and `QUIET`, the one that says nothing), `Steps` (the flags extract
  and reduce share);
- `configs.py`: the config step (`configure`, `configure_inferred`, `split_keywords`,
  `version_filter`);
- `steps.py`: the extract, reduce and consensus steps, and `extract_and_reduce`;
- `project.py`: whole runs (`run_workflow`, `run_project`: the exports sorted by kind, one run
  per workflow version range, the manifest).

zooagg-run.json itself is read and written by `zooagg.manifest`. Every public name is importable
from `zooagg.run`.
"""

from ..manifest import record_weighted
from .configs import configure, configure_inferred, split_keywords, version_filter
from .console import QUIET, Console, Keywords, NoBar, Steps
from .project import run_project, run_workflow
from .steps import consensus, extract, extract_and_reduce, reduce

__all__ = [
    "QUIET",
    "Console",
    "Keywords",
    "NoBar",
    "Steps",
    "configure",
    "configure_inferred",
    "consensus",
    "extract",
    "extract_and_reduce",
    "record_weighted",
    "reduce",
    "run_project",
    "run_workflow",
    "split_keywords",
    "version_filter",
]
