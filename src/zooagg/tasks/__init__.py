"""Task families: each module registers its extractors and reducers on import."""

from . import (  # noqa: F401
    drawing,
    drawing_reduce,
    dropdown,
    highlighter,
    misc,
    pluck,
    question,
    shape_reduce,
    skill,
    slider,
    survey,
    text,
)
