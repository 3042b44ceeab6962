"""Laying out several extract tables at once (tables.finish_tables): forked children write the
same bytes as one process, and a failure leaves no output and no temp file behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from zooagg.tables.layout import EXTRACT_COLUMNS
from zooagg.tables.spool import SpooledTable, finish_tables


def _slow_text(value: object) -> str:
    """A user_id cell that takes 10 ms to write."""
    import time

    time.sleep(0.01)
    return ""


def _tables(folder: Path, count: int = 3) -> list[SpooledTable]:
    tables = []
    for t in range(count):
        table = SpooledTable(folder / f"table{t}.csv", EXTRACT_COLUMNS)
        for row in range(2500):  # more than one spool batch
            meta = (str(row), "someone", "", "12", f"T{t}", "2024-01-01", str(row % 7), f"x{t}")
            table.add(meta, {"a": row, "b": {"c": [row, 1.5]}, "d": None if row % 3 else "yes"})
        tables.append(table)
    return tables


def test_forked_layout_writes_the_same_files_as_one_process(tmp_path: Path) -> None:
    one, forked = tmp_path / "one", tmp_path / "forked"
    paths_one = finish_tables([(t, "csv", False, ()) for t in _tables(one)], workers=1)
    paths_forked = finish_tables([(t, "csv", False, ()) for t in _tables(forked)], workers=2)
    assert [p.name for p in paths_one] == [p.name for p in paths_forked] == ["table0.csv", "table1.csv", "table2.csv"]
    for a, b in zip(paths_one, paths_forked, strict=True):
        assert a.read_bytes() == b.read_bytes()
    lines = paths_forked[1].read_text().splitlines()
    assert len(lines) == 2501
    assert lines[0].endswith("data.a,data.d,data.b.c")
    assert lines[1] == '0,someone,,12,T1,2024-01-01,0,x1,0,yes,"[0, 1.5]"'
    assert sorted(p.name for p in forked.iterdir()) == ["table0.csv", "table1.csv", "table2.csv"]


def test_a_child_that_fails_leaves_no_file(tmp_path: Path) -> None:
    tables = _tables(tmp_path)
    tables[1].meta_format["user_id"] = lambda value: 1 / 0  # fails while laying out, in the child
    with pytest.raises(OSError, match="ZeroDivisionError"):
        finish_tables([(t, "csv", False, ()) for t in tables], workers=2)
    assert list(tmp_path.iterdir()) == []  # no output, no .part file, no spool


def test_a_child_that_dies_without_a_word_is_a_clean_error(tmp_path: Path) -> None:
    import os

    tables = _tables(tmp_path)
    tables[2].meta_format["user_id"] = lambda value: os._exit(9)  # as if killed mid-layout
    with pytest.raises(OSError, match=r"laying out stopped \(exit code 9\)"):
        finish_tables([(t, "csv", False, ()) for t in tables], workers=2)
    assert list(tmp_path.iterdir()) == []


def test_one_process_layout_that_fails_leaves_no_file(tmp_path: Path) -> None:
    tables = _tables(tmp_path)
    tables[1].meta_format["user_id"] = lambda value: 1 / 0
    with pytest.raises(ZeroDivisionError):
        finish_tables([(t, "csv", False, ()) for t in tables], workers=1)
    assert list(tmp_path.iterdir()) == []  # table0's finished temp file is gone too


def test_an_interrupt_while_children_lay_out_leaves_no_temp_file(tmp_path: Path) -> None:
    """Ctrl-C reaching the parent mid-layout: the children are stopped and their half-written
    files removed (they were left behind before)."""
    import os
    import signal
    import threading

    tables = _tables(tmp_path)
    for table in tables:
        table.meta_format["user_id"] = _slow_text  # ~25 s per table
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        finish_tables([(t, "csv", False, ()) for t in tables], workers=2)
    timer.join()
    assert list(tmp_path.iterdir()) == []
