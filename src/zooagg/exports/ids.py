"""One identity for a classification id, whatever form an export or a client writes it in.

`7000001`, `7000001.0` and `07000001` name one classification: reduce reads the id column as
a number (as pandas, and so the peer, does), so offline they are one id; the live server
stores a classification once per id (idempotent delivery), so it must see them as one too.
"""

from __future__ import annotations

import re

#: a whole number, perhaps with leading zeros or a zero fraction (as a spreadsheet writes it)
_WHOLE = re.compile(r"0*(\d+?)(?:\.0*)?")


def classification_key(text: str) -> str:
    """The id in its one form: a whole number without leading zeros or `.0` (`07000001.0` ->
    `7000001`); anything else as given, without surrounding spaces."""
    text = text.strip()
    match = _WHOLE.fullmatch(text)
    return match[1] if match else text
