"""The public Python API, one step at a time: configs, extract, reduce, and the table reader.

Each function is a thin wrapper over the same library calls as the `zooagg` command
(`zooagg.run`), so results are the CLI's, byte for byte in the files and value for value in
the frames. Inputs are paths or frames; outputs are pandas DataFrames (Arrow tables without
pandas). The examples run against the Superluminous Supernovae exports shipped in
`examples/slsn` (doctest runs them from the repository root).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError, InputError, Where

if TYPE_CHECKING:
    from .frames_out import Layout

#: a path, or a table already in memory (pandas DataFrame or Arrow table)
Source = Any
#: what the API returns: a pandas DataFrame, or a pyarrow Table when pandas is not installed
Frame = Any
PathLike = str | os.PathLike[str]


def read_table(source: Source, *, layout: Layout = "wide") -> Frame:
    """An extract or reduction file (CSV or Parquet; zooagg's or the peer's) with real values.

    Lists and mappings are parsed from their Python repr (never with `eval`; `nan`, `inf` and
    numpy reprs such as `np.float64(1.5)` included), ids and counts are integers (the peer
    writes a count as `1.0` when its column has gaps), `created_at` is a UTC time. `source` may
    also be a DataFrame or Arrow table holding such a file's text.

    `layout` is `"wide"` (the file's own columns), or, for drawing tasks, `"marks"` (one row
    per mark: `frame`, `tool`, `mark`, then one column per property such as `x`, `y`,
    `details`, `cluster_labels`) or `"clusters"` (one row per cluster of a reduction: `frame`,
    `tool`, `cluster`, then `x`, `y`, `count`, ...).

    >>> votes = read_table("tests/golden/slsn-batch-fixture/expected/question_reducer_reductions.csv")
    >>> votes[["subject_id", "task", "data.no", "data.yes"]].head(3)
       subject_id task  data.no  data.yes
    0    96588105   T0        1      <NA>
    1    96588105   T1     <NA>      <NA>
    2    96588106   T0        1      <NA>
    >>> boxes = read_table("tests/golden/dd-example-4870-rectangles/expected/"
    ...                    "shape_reducer_dbscan_reductions.csv", layout="clusters")
    >>> boxes[["subject_id", "task", "tool", "cluster", "count", "x", "y"]].head(3)
       subject_id task  tool  cluster  count           x           y
    0    12650258   T0     1        0      3  669.186117  261.083079
    1    12650258   T0     1        1      3  699.532898  551.896871
    2    12650258   T2     0        0      3  277.156057   81.898554
    """
    from .frames import load_arrow, typed_columns
    from .frames_out import reshape, to_output

    table, name = load_arrow(source)
    return to_output(reshape(typed_columns(table, name), layout, name))


@dataclass(frozen=True)
class Configs:
    """The config files of one workflow (version range), as `zooagg config` writes them."""

    #: the extractor config (Extractor_config_workflow_{id}_V{version}.yaml)
    extractor: Path
    #: extractor name -> its reducer config (Reducer_config_workflow_{id}_V{version}_{extractor}.yaml)
    reducers: dict[str, Path]
    #: the folder they are in
    directory: Path

    def reducer_for(self, extractor: str) -> Path:
        """The reducer config of one extractor's extracts."""
        if extractor not in self.reducers:
            from .registry import did_you_mean

            raise ConfigError(f"no reducer config for {extractor}",
                              hint=f"{did_you_mean(extractor, list(self.reducers))} (these configs "
                              f"reduce the extracts of {', '.join(self.reducers) or 'nothing'})",
                              where=Where(file=str(self.directory), value=extractor))
        return self.reducers[extractor]


def folder(directory: PathLike | None) -> Path:
    """The output folder (made if missing); a new temporary one when none is given."""
    if directory is None:
        return Path(tempfile.mkdtemp(prefix="zooagg-"))
    path = Path(directory)
    if path.exists() and not path.is_dir():
        raise InputError("is a file, not a folder", hint="give directory= a folder", where=Where(file=str(path)))
    path.mkdir(parents=True, exist_ok=True)
    return path
