"""The consensus table: what the volunteers said about each subject, one row per subject.

`consensus_table` is a pure function over reduction rows (offline files or the live store);
`folder` reads and writes a run folder's table; `command` is `zooagg consensus`.
"""

from .build import ConsensusTable, consensus_table

__all__ = ["ConsensusTable", "consensus_table"]
