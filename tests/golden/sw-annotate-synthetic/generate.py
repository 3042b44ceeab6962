"""Generate the synthetic Shakespeare's World / AnnoTate golden inputs: classifications.csv, workflows.csv.

Seeded and deterministic: `python3 generate.py` rewrites both files identically. Workflow 201
("Synthetic letters"), version 3.4, an AnnoTate workflow (its T0 of type `annotate-transcribe`),
the page's marks in task T2 in the projects' own annotation shape: every mark of a page in one
annotation. workflows.csv also holds workflow 202 at 1.1, Shakespeare's World's placeholder
workflow (one task `init`), for the config step. Four subjects (pages) of known lines; each classification
transcribes some of them (start and end points near the true line, a word sometimes
misspelt, sometimes with a variant spelling flagged), and draws graphics (SW: `graphic`
with a tag) or images (AnnoTate: `image`). The text carries what the real front end sent:
zero-width spaces (also mis-decoded as `â\\x80\\x8b`), `<br>` line ends, the projects' tags
(`<sl>`, `<brev-y>`, `<sw-ex>`), other markup, entities, non-ASCII letters, a word-processor
paste (`<xml>`), an unclosed tag. Also: a classification with no marks, one with a graphic
whose width is 'NaN', anonymous volunteers, a line without an end point.
"""
import csv
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261203)
ZW = "\u200b"
MOJIBAKE = "\u00e2\u0080\u008b"

PAGES = {
    9001: ["To my very loving frend", "Mr Iohn Combes at his house", "in <sl>the</sl> Strand",
           "I haue sent <brev-y>th</brev-y><sl>e</sl> bookes"],
    9002: ["the weather hath bene", "very foule this weeke", "&amp; the roades are bad"],
    9003: ["Receipt for a cordiall water", "take of rosemary flowers", "a good handfull"],
    9004: ["yo<sw-ex>u</sw-ex>r louing sonne", "Thomas"],
}
VARIANTS = ["frend", "haue", "bene", "louing", "yo", ""]
USERS = [("ada", 11), ("brunel", 12), ("curie", 13), ("darwin", 14), ("not-logged-in-ab12", None),
         ("euler", 15), ("faraday", 16)]


def dirty(text):
    """What the front end really sent for a line."""
    roll = rng.random()
    if roll < 0.15:
        text = text.replace(" ", f" {ZW}", 1)
    elif roll < 0.3:
        text = text.replace(" ", f" {MOJIBAKE}{MOJIBAKE}", 1)
    elif roll < 0.38:
        text = f"<span class='x'>{text}</span>"
    elif roll < 0.44:
        text = f"<xml><w:p>{text}\n</w:p></xml>"
    elif roll < 0.5:
        text = text.replace(" ", "&nbsp;", 1)
    elif roll < 0.55:
        text = text.replace("o", "\u00f6", 1)
    elif roll < 0.6:
        text = f"{text} <unclear>"
    elif roll < 0.65:
        text = f"<sl> </sl>{text}"
    return text + ("<br>" if rng.random() < 0.7 else "")


def line_mark(i, text):
    y = 100 + 60 * i
    sx, ex = 120 + rng.uniform(-8, 8), 900 + rng.uniform(-20, 20)
    sy, ey = y + rng.uniform(-6, 6), y + rng.uniform(-6, 6)
    words = text.split(" ")
    if rng.random() < 0.2 and len(words) > 2:
        words[1] = words[1][::-1]
    mark = {"type": "text", "startPoint": {"x": round(sx, 2), "y": round(sy, 2)},
            "endPoint": {"x": round(ex, 2), "y": round(ey, 2)}, "text": dirty(" ".join(words)), "complete": True}
    if rng.random() < 0.3:
        mark["variants"] = [rng.choice(VARIANTS) for _ in range(rng.randint(1, 2))]
    return mark


def graphic_mark():
    x, y = rng.choice([(40, 500), (600, 40)])
    mark = {"type": rng.choice(["graphic", "image"]), "x": x + rng.randint(-5, 5), "y": y + rng.randint(-5, 5),
            "width": 120 + rng.randint(-6, 6), "height": 80 + rng.randint(-6, 6)}
    if mark["type"] == "graphic":
        mark["tag"] = "<graphic>seal</graphic>"
    return mark


def marks_for(lines):
    chosen = [line_mark(i, t) for i, t in enumerate(lines) if rng.random() < 0.85]
    chosen += [graphic_mark() for _ in range(rng.randint(0, 2))]
    rng.shuffle(chosen)
    return chosen


def main():
    rows = []
    cid = 700000
    for subject, lines in PAGES.items():
        for user, uid in rng.sample(USERS, 6):
            cid += 1
            marks = marks_for(lines)
            if cid == 700003:
                marks = []
            if cid == 700007:
                marks.append({"type": "graphic", "tag": "<graphic>x</graphic>", "x": 1, "y": 1,
                              "width": "NaN", "height": 3})
            if cid == 700011:
                marks.append({"type": "text", "startPoint": {"x": 1, "y": 1}, "text": "no end"})
            metadata = {"source": "api", "session": f"s{cid}", "viewport": {"width": 1400, "height": 900},
                        "started_at": "2016-03-01T10:00:00.000Z", "user_agent": "Mozilla/5.0",
                        "utc_offset": "0", "finished_at": "2016-03-01T10:05:00.000Z", "live_project": True,
                        "user_language": "en", "subject_dimensions": [{"naturalWidth": 1000, "naturalHeight": 1400}]}
            rows.append({
                "classification_id": cid, "user_name": user, "user_id": "" if uid is None else uid,
                "user_ip": "1a2b3c", "workflow_id": 201, "workflow_name": "Synthetic letters",
                "workflow_version": "3.4", "created_at": f"2016-03-01 10:{cid % 60:02d}:00 UTC",
                "gold_standard": "", "expert": "", "metadata": json.dumps(metadata),
                "annotations": json.dumps([{"task": "T2", "task_label": None, "value": marks}]),
                "subject_data": json.dumps({str(subject): {"retired": None, "image": f"page{subject}.jpg"}}),
                "subject_ids": subject})
    with open(os.path.join(HERE, "classifications.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    write_workflows()


def write_workflows():
    common = {"active": "true", "pairwise": "false", "grouped": "false", "prioritized": "false",
              "primary_language": "en", "tutorial_subject_id": "", "retired_set_member_subjects_count": 0,
              "retirement": "{}", "aggregation": "{}"}
    annotate = {"T0": {"type": "annotate-transcribe", "help": "T0.help", "instruction": "T0.instruction"}}
    rows = [
        {"workflow_id": 201, "display_name": "Synthetic letters", "version": 3, "classifications_count": 24,
         "first_task": "T0", "tasks": json.dumps(annotate),
         "strings": json.dumps({"T0.help": "", "T0.instruction": "Transcribe the page"}), "minor_version": 4, **common},
        {"workflow_id": 202, "display_name": "Shakespeare's World", "version": 1, "classifications_count": 0,
         "first_task": "init", "tasks": json.dumps({"init": {"question": "init.question", "type": "single", "answers": []}}),
         "strings": json.dumps({"init.question": "Transcribe"}), "minor_version": 1, **common},
    ]
    fields = ["workflow_id", "display_name", "version", "active", "classifications_count", "pairwise", "grouped",
              "prioritized", "primary_language", "first_task", "tutorial_subject_id",
              "retired_set_member_subjects_count", "tasks", "retirement", "aggregation", "strings", "minor_version"]
    with open(os.path.join(HERE, "workflows.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
