"""Shape metrics and density-clustering wrappers (scikit-learn) for drawing reducers.

Nothing here knows about extracts or CSV files: arrays of shape parameters in, labels and
cluster summaries out. scikit-learn and scipy are imported lazily, so importing zooagg
(and every CLI call that does not cluster) stays fast.
"""

from .shapes import SHAPE_PARAMS, normalise_shape, shape_metric_and_average
from .wrappers import run_dbscan, run_hdbscan, run_optics

__all__ = [
    "SHAPE_PARAMS",
    "normalise_shape",
    "run_dbscan",
    "run_hdbscan",
    "run_optics",
    "shape_metric_and_average",
]
