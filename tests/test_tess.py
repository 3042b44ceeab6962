"""tess_reducer_column on a subject with more marks than the small-set DBSCAN handles alone."""

from __future__ import annotations

from zooagg.clustering.wrappers import SMALL_DBSCAN
from zooagg.tasks.tess import tess_reducer_column


def test_more_marks_than_the_small_dbscan_limit_still_cluster() -> None:
    """Each volunteer's own marks are infinitely far apart in the distance matrix; handing that
    matrix to scikit-learn (which refuses infinity) used to fail such subjects."""
    volunteers, columns = 3, SMALL_DBSCAN // 3 + 50  # 3 x 716 = 2,148 marks
    extracts = [{"frame0": {"T0_tool0_x": [100.0 * c + v for c in range(columns)],
                            "T0_tool0_width": [10.0] * columns}} for v in range(volunteers)]
    out = tess_reducer_column(extracts, user_ids=[11, 12, 13], relevant_reduction=[None] * volunteers,
                              eps=5.0, min_samples=3)
    assert len(out["centers"]) == columns
    assert out["centers"][:2] == [1.0, 101.0]  # the three volunteers' marks 0, 1, 2 px apart
    assert out["counts"] == [3] * columns
    assert out["user_ids"][0] == [11, 12, 13]
    assert out["max_weighted_count"] == 3.0
