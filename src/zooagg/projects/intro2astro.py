"""Intro2Astro (Interactive Image Annotation): a galaxy's velocity from one marked spectral line.

The volunteer marks a line on a galaxy's spectrum (a column mark: `x` its left edge, `width`).
The spectrum image spans 380-500 nm between pixels 108 and 1081 of a 1152-pixel-wide image
(scaled to the image's `naturalWidth` from the classification's `subject_dimensions`), so the
line's centre is at wavelength

    λ = 380 + (x + width/2 - x_min) (500 - 380) / (x_max - x_min)   (x_min, x_max truncated to whole pixels)

and, against calcium K at 393.37 nm, the redshift is z = (λ - 393.37) / 393.37 and the
velocity 300,000 z km/s. The distance is the subject's published redshift × 300,000 / 68
(Mpc, for H0 = 68 km/s/Mpc). The galaxy's id (its SVG file name), URL, RA and Dec come from the
subject's metadata. Only the first mark of the first annotation counts, as in
panoptes_aggregation 5.3.1.
"""

from __future__ import annotations

from typing import Any

from ..errors import ExtractError, Where
from ..registry import extractor
from . import subject_metadata

LAMBDA_MIN, LAMBDA_MAX = 380.0, 500.0  # nm, the ends of the spectrum image
PIXEL_MIN, PIXEL_MAX, IMAGE_WIDTH = 108.0, 1081.0, 1152.0  # where they are on a 1152-pixel image
CALCIUM_K = 393.37  # nm, at rest
C_KM_S = 300000
HUBBLE = 68  # km/s/Mpc
NEEDED = ("RA", "Dec", "#Published_Redshift", "SVG_filename", "URL")


def wavelength(x: float, width: float, natural_width: float) -> float:
    """The wavelength (nm) at the centre of a mark from x to x + width."""
    low, high = int(PIXEL_MIN / IMAGE_WIDTH * natural_width), int(PIXEL_MAX / IMAGE_WIDTH * natural_width)
    per_pixel = (LAMBDA_MAX - LAMBDA_MIN) / (high - low)  # nm, computed first: the peer's rounding
    return (x + width / 2.0 - low) * per_pixel + LAMBDA_MIN


def _fail(what: str, column: str, value: Any = None) -> ExtractError:
    return ExtractError(what, where=Where(column=column, value=value),
                        hint="i2a_extractor needs a column mark (x, width), the image's subject_dimensions "
                             f"in metadata, and the subject metadata fields {', '.join(NEEDED)}")


@extractor("i2a_extractor", wants=("subject_data",))
def i2a_extractor(annotations: list[dict[str, Any]], classification: Any = None) -> dict[str, Any]:
    """Intro2Astro: the marked line's wavelength, the galaxy's redshift, velocity and distance, and its ids."""
    marks = annotations[0].get("value") if annotations else None
    if not isinstance(marks, list) or not marks:
        return {}
    mark = marks[0]
    if not isinstance(mark, dict) or not isinstance(mark.get("x"), int | float) or \
            not isinstance(mark.get("width"), int | float):
        raise _fail("the first mark has no numeric x and width", "annotations", mark)
    try:
        natural_width = float(classification.metadata["subject_dimensions"][0]["naturalWidth"])
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        raise _fail("metadata.subject_dimensions[0].naturalWidth is missing", "metadata") from None
    subject = subject_metadata(classification)
    missing = [k for k in NEEDED if k not in subject]
    if missing:
        raise _fail(f"the subject metadata has no {', '.join(missing)}", "subject_data")
    try:
        published = float(subject["#Published_Redshift"])
    except (TypeError, ValueError):
        raise _fail("#Published_Redshift is not a number", "subject_data", subject["#Published_Redshift"]) from None
    centre = wavelength(mark["x"], mark["width"], natural_width)
    redshift = (centre - CALCIUM_K) / CALCIUM_K
    return {
        "galaxy_id": str(subject["SVG_filename"]).replace(".svg", ""),
        "url": subject["URL"],
        "RA": subject["RA"],
        "dec": subject["Dec"],
        "dist": published * 3e5 / HUBBLE,
        "redshift": redshift,
        "velocity": C_KM_S * redshift,
        "lambdacen": centre,
    }
