"""Task families: each module registers its extractors and reducers on import."""

from . import dropdown, misc, question, slider, survey  # noqa: F401
