"""Shakespeare's World and AnnoTate: transcribed lines, variant spellings and graphics.

Both projects ran a custom front end whose one annotation per classification holds every mark
the volunteer made on the page: `{"type": "text", "startPoint": {x, y}, "endPoint": {x, y},
"text": ..., "variants": [...]}` for a transcribed line, `{"type": "graphic", x, y, width,
height, "tag": ...}` (Shakespeare's World) or `{"type": "image", x, y, width, height}` (AnnoTate)
for a drawing. Only the first annotation of the task is read, and everything lands in
`frame0`, as panoptes_aggregation 5.3.1 does.

A line's text is cleaned before it is aligned: non-ASCII characters go (the front end's
zero-width spaces, also when mis-decoded as `â\\x80\\x8b`); text pasted from a word processor
(it holds `<xml>`) loses every tag and line break; otherwise markup other than the projects'
own tags (`KEEP_TAGS`) is unwrapped, keeping its text, and so is any tag around blank text;
finally HTML entities are decoded and a no-break space becomes a space. The slope is the
line's angle in degrees (`atan2`, so a line drawn right to left is 180).
"""

from __future__ import annotations

import html
import math
from html.parser import HTMLParser
from typing import Any

from ..registry import extractor, reducer, workflow_config
from ..tasks.text import gold_standard_of

#: the transcription tags of the two projects: kept in the cleaned text
KEEP_TAGS = frozenset({"sw-ex", "sl", "brev-y", "sw-ins", "sw-del", "sw-unclear", "sw-sup", "label", "graphic"})


class _Node:
    def __init__(self, tag: str | None, attrs: list[tuple[str, str | None]]) -> None:
        self.tag, self.attrs = tag, attrs
        self.children: list[_Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class _Tree(HTMLParser):
    """The markup of one line as a tree (unclosed tags close at the end of the line)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node(None, [])
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, attrs)
        self.stack[-1].children.append(node)
        self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Node(tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _render(node: _Node) -> str:
    inner = "".join(_escape(c) if isinstance(c, str) else _render(c) for c in node.children)
    if node.tag is None or node.tag not in KEEP_TAGS or not node.text().strip():
        return inner  # unwrapped: the text stays, the tag goes
    attrs = "".join(f' {k}="{_escape(v or "")}"' for k, v in node.attrs)
    return f"<{node.tag}{attrs}>{inner}</{node.tag}>"


def clean_text(text: str) -> str:
    """One transcribed line as the aligner wants it (see the module docstring)."""
    out = text.encode("ascii", "ignore").decode("ascii")
    if "<xml>" in out or "<" in out:
        tree = _Tree()
        tree.feed(out)
        tree.close()
        out = tree.root.text().replace("\n", "") if "<xml>" in out else _render(tree.root)
    return html.unescape(out).replace("\xa0", " ")


def _first_marks(annotations: list[dict[str, Any]]) -> list[Any]:
    value = annotations[0].get("value") if annotations else None
    return value if isinstance(value, list) else []


def _point(mark: dict[str, Any], key: str) -> tuple[Any, Any] | None:
    point = mark.get(key)
    if not isinstance(point, dict) or point.get("x") is None or point.get("y") is None:
        return None
    return point["x"], point["y"]


@extractor("sw_extractor", default_reducer="poly_line_text_reducer", default_reducer_params={"dot_freq": "line"})
def sw_extractor(annotations: list[dict[str, Any]], classification: Any = None) -> dict[str, Any]:
    """Transcribed lines of Shakespeare's World / AnnoTate: per line its cleaned text, end points and slope (frame0)."""
    xs: list[list[Any]] = []
    ys: list[list[Any]] = []
    texts: list[list[str]] = []
    slopes: list[float] = []
    for mark in _first_marks(annotations):
        if not isinstance(mark, dict) or not isinstance(mark.get("text"), str):
            continue
        start, end = _point(mark, "startPoint"), _point(mark, "endPoint")
        if start is None or end is None:
            continue
        texts.append([clean_text(mark["text"])])
        xs.append([start[0], end[0]])
        ys.append([start[1], end[1]])
        slopes.append(math.degrees(math.atan2(end[1] - start[1], end[0] - start[0])))
    return {"frame0": {"points": {"x": xs, "y": ys}, "text": texts, "slope": slopes,
                       "gold_standard": gold_standard_of(classification)}}


def _present(mark: dict[str, Any], key: str) -> bool:
    return key in mark and mark[key] != "NaN"


@extractor("sw_graphic_extractor", default_reducer="rectangle_reducer")
def sw_graphic_extractor(annotations: list[dict[str, Any]], classification: Any = None) -> dict[str, Any]:
    """Graphics (Shakespeare's World, with their tag) and images (AnnoTate) as rectangles of tool0 (frame0)."""
    frame: dict[str, list[Any]] = {}
    for mark in _first_marks(annotations):
        if not isinstance(mark, dict) or mark.get("type") not in ("graphic", "image"):
            continue
        if not all(_present(mark, k) for k in ("x", "y", "width", "height")):
            continue
        if mark["type"] == "graphic":
            if not _present(mark, "tag"):
                continue
            frame.setdefault("tool0_tag", []).append(mark["tag"])
        for key in ("x", "y", "width", "height"):
            frame.setdefault(f"tool0_{key}", []).append(float(mark[key]))
    return {"frame0": frame} if frame else {}


@extractor("sw_variant_extractor", default_reducer="sw_variant_reducer")
def sw_variant_extractor(annotations: list[dict[str, Any]], classification: Any = None) -> dict[str, Any]:
    """Every variant spelling the volunteer flagged, in one list (nothing when there is none)."""
    variants: list[Any] = []
    for mark in _first_marks(annotations):
        if isinstance(mark, dict) and isinstance(mark.get("variants"), list):
            variants += [v for v in mark["variants"] if v]
    return {"variants": variants} if variants else {}


@reducer("sw_variant_reducer")
def sw_variant_reducer(extracts: list[dict[str, Any]]) -> dict[str, Any]:
    """Every variant spelling of the subject, in extract order (nothing when there is none)."""
    variants: list[Any] = []
    for extract in extracts:
        found = extract.get("variants")
        if isinstance(found, list):
            variants += found
    return {"variants": variants} if variants else {}


#: Shakespeare's World's workflow, as Panoptes holds it: one placeholder question (the project
#: ran its own front end)
SW_TASKS = {"init": {"question": "init.question", "type": "single", "answers": []}}


@workflow_config
def shakespeares_world_config(tasks: dict[str, Any]) -> dict[str, list[dict[str, Any]]] | None:
    """Shakespeare's World (tasks exactly `SW_TASKS`) and AnnoTate (T0 of an `annotate-` type):
    the questions T0 and T3 and the page's marks in T2, as panoptes_aggregation configures them."""
    annotate = isinstance(tasks.get("T0"), dict) and "annotate-" in str(tasks["T0"].get("type", ""))
    if tasks != SW_TASKS and not annotate:
        return None
    config: dict[str, list[dict[str, Any]]] = {
        "question_extractor": [{"task": "T0"}, {"task": "T3"}],
        "sw_extractor": [{"task": "T2"}],
        "sw_graphic_extractor": [{"task": "T2"}],
    }
    if not annotate:
        config["sw_variant_extractor"] = [{"task": "T2"}]
    return config
