"""Task families: each module registers its extractors and (running) reducers on import.

Nothing is imported here: `registry.get` imports only the module that registers the name it
is asked for, `registry.load` (listings) every module below.
"""

#: every task family module, in the order `registry.load` imports them
MODULES = (
    "drawing",
    "drawing_reduce",
    "dropdown",
    "highlighter",
    "line_text",
    "line_text_optics",
    "line_text_reduce",
    "misc",
    "pluck",
    "polygon_reduce",
    "question",
    "running_votes",
    "shape_reduce",
    "skill",
    "slider",
    "survey",
    "tess",
    "text",
)
