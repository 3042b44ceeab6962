"""Task families: each module registers its extractors and (running) reducers on import."""

from . import (  # noqa: F401
    drawing,
    drawing_reduce,
    dropdown,
    highlighter,
    line_text,
    line_text_optics,
    line_text_reduce,
    misc,
    pluck,
    polygon_reduce,
    question,
    running_votes,
    shape_reduce,
    skill,
    slider,
    survey,
    tess,
    text,
)
