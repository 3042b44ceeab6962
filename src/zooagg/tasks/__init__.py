"""Task families: each module registers its extractors and reducers on import."""

from . import drawing, drawing_reduce, dropdown, misc, question, shape_reduce, slider, survey  # noqa: F401
