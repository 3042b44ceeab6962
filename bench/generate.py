#!/usr/bin/env python3
"""Deterministic generator of a realistic Zooniverse workflow + classification export.

    python bench/generate.py N OUTDIR [--seed S]

writes OUTDIR/workflows.csv and OUTDIR/classifications.csv.

Stdlib only (runs under any Python >= 3.8).  Rows are streamed to disk, memory stays
small for any N (only per-subject "truth" and the volunteer table are kept:
N/15 subjects, N/10 volunteers).

The workflow (id 12345, current version 12.34, current export format: `tasks` JSON holds
translation keys, human text lives in the `strings` JSON column):

    T0  single question, 3 answers (Yes -> T1, No -> T1, Can't tell -> T4)
    T1  multiple question, 5 answers
    T2  drawing: tool 0 point "Head", tool 1 point "Tail", tool 2 rectangle "Body"
        (0..4 marks per tool, clustered round per-subject true positions, gaussian noise)
    T3  survey: 10 species, 2 questions (HWMN single, WHTBHVRSDS multiple)
    T4  text: free-text transcription of a per-subject caption (with typos)

Classification rows use the *classic* (PFE, classifier v1) export annotation shapes:

    question  {"task":"T0","task_label":"...","value":"Yes"}
    multiple  {"task":"T1","task_label":"...","value":["Red","Blue"]}
    drawing   {"task":"T2","task_label":"...","value":[{"x":..,"y":..,"tool":0,"frame":0,
               "details":[],"tool_label":"Head"}, {"x","y","width","height","tool":2,...}]}
    survey    {"task":"T3","value":[{"choice":"ZBR","answers":{"HWMN":"2",
               "WHTBHVRSDS":["MVNG"]},"filters":{}}]}
    text      {"task":"T4","task_label":"...","value":"some text"}

About 3% of rows are at the older workflow version 11.20 (filtered out by the default
config, as in real exports), ~12% of classifications come from not-logged-in volunteers
(empty user_id), and ~8% answer "Can't tell" and skip T1-T3.  A volunteer never classifies
the same subject twice, as on Panoptes (which does not serve already-seen subjects).
"""
from __future__ import annotations

import argparse
import bisect
import csv
import json
import math
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

WORKFLOW_ID = 12345
WORKFLOW_NAME = "Benchmark Safari"
VERSION = (12, 34)
OLD_VERSION = (11, 20)
OLD_VERSION_FRACTION = 0.03
ANON_FRACTION = 0.12
CANT_TELL_FRACTION = 0.08
IMG_W, IMG_H = 1200, 900

T0_ANSWERS = ["Yes", "No", "Can't tell"]
T1_ANSWERS = ["Red", "Blue", "Green", "Yellow", "Other"]
TOOLS = [
    {"type": "point", "label": "Head", "color": "#ff0000"},
    {"type": "point", "label": "Tail", "color": "#00ff00"},
    {"type": "rectangle", "label": "Body", "color": "#0000ff"},
]
SPECIES = [  # (choice code, label)
    ("ZBR", "Zebra"), ("LPHNT", "Elephant"), ("GRFF", "Giraffe"), ("LN", "Lion"),
    ("WLDBST", "Wildebeest"), ("MPL", "Impala"), ("BBN", "Baboon"), ("WRTHG", "Warthog"),
    ("HPP", "Hippopotamus"), ("NTHNGHR", "Nothing here"),
]
HOWMANY = ["1", "2", "3", "4", "5", "610", "MNY"]
HOWMANY_LABELS = ["1", "2", "3", "4", "5", "6-10", "Many (11+)"]
BEHAVIOURS = ["MVNG", "STNDNG", "RSTNG", "TNG", "NTRCTNG"]
BEHAVIOUR_LABELS = ["Moving", "Standing", "Resting", "Eating", "Interacting"]
WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "herd", "of", "zebra", "near", "water", "hole", "camera", "trap", "night", "day", "grass", "tree", "river", "sunrise", "dusk", "two", "three", "many", "young", "adult", "male", "female", "running", "grazing", "drinking"]

T_LABELS = {
    "T0": "Is there an animal in this image?",
    "T1": "Which colours do you see? Select all that apply.",
    "T2": "Mark heads and tails, and box each body.",
    "T3": "Identify the species in this image.",
    "T4": "Transcribe the caption.",
}

USER_AGENTS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:122.0) Gecko/20100101 Firefox/122.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
]
CLS_HEADER = ["classification_id", "user_name", "user_id", "user_ip", "workflow_id",
              "workflow_name", "workflow_version", "created_at", "gold_standard", "expert",
              "metadata", "annotations", "subject_data", "subject_ids"]
WF_HEADER = ["workflow_id", "display_name", "version", "active", "classifications_count",
             "pairwise", "grouped", "prioritized", "primary_language", "first_task",
             "tutorial_subject_id", "retired_set_member_subjects_count", "tasks", "retirement",
             "aggregation", "strings", "minor_version"]

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


# ----------------------------------------------------------------------------- workflow
def workflow_tasks(version):
    """(tasks, strings) in the current export format (translation keys + strings)."""
    tasks, strings = {}, {}
    for t, lab in T_LABELS.items():
        strings[f"{t}.help"] = f"Help for {t}: {lab} Look carefully at the whole image."
    tasks["T0"] = {"help": "T0.help", "type": "single", "required": True,
                   "question": "T0.question",
                   "answers": [{"next": "T1" if i < 2 else "T4", "label": f"T0.answers.{i}.label"}
                               for i in range(3)]}
    strings["T0.question"] = T_LABELS["T0"]
    for i, a in enumerate(T0_ANSWERS):
        strings[f"T0.answers.{i}.label"] = a
    tasks["T1"] = {"help": "T1.help", "type": "multiple", "question": "T1.question", "next": "T2",
                   "answers": [{"label": f"T1.answers.{i}.label"} for i in range(5)]}
    strings["T1.question"] = T_LABELS["T1"]
    for i, a in enumerate(T1_ANSWERS):
        strings[f"T1.answers.{i}.label"] = a
    tools = []
    for i, tl in enumerate(TOOLS):
        tools.append({"max": "4", "min": "0", "size": "large", "type": tl["type"],
                      "color": tl["color"], "label": f"T2.tools.{i}.label", "details": []})
        strings[f"T2.tools.{i}.label"] = tl["label"]
    tasks["T2"] = {"help": "T2.help", "next": "T3", "type": "drawing", "tools": tools,
                   "instruction": "T2.instruction", "enableHidePrevMarks": False}
    strings["T2.instruction"] = T_LABELS["T2"]
    choices = {}
    for code, lab in SPECIES:
        nq = code == "NTHNGHR"
        choices[code] = {"label": f"T3.choices.{code}.label",
                         "description": f"T3.choices.{code}.description",
                         "images": [f"{code.lower()}-1.jpg", f"{code.lower()}-2.jpg"],
                         "noQuestions": nq, "confusionsOrder": [], "confusions": {},
                         "characteristics": {"CLR": ["BRWN"] if code != "ZBR" else ["BLCK", "WHT"]}}
        strings[f"T3.choices.{code}.label"] = lab
        strings[f"T3.choices.{code}.description"] = f"The {lab.lower()} is a common sight on the savanna."
    questions = {
        "HWMN": {"label": "T3.questions.HWMN.label", "multiple": False, "required": True,
                 "answers": {a: {"label": f"T3.questions.HWMN.answers.{a}.label"} for a in HOWMANY},
                 "answersOrder": HOWMANY},
        "WHTBHVRSDS": {"label": "T3.questions.WHTBHVRSDS.label", "multiple": True, "required": False,
                       "answers": {a: {"label": f"T3.questions.WHTBHVRSDS.answers.{a}.label"}
                                   for a in BEHAVIOURS},
                       "answersOrder": BEHAVIOURS},
    }
    strings["T3.questions.HWMN.label"] = "How many?"
    for a, lab in zip(HOWMANY, HOWMANY_LABELS, strict=False):
        strings[f"T3.questions.HWMN.answers.{a}.label"] = lab
    strings["T3.questions.WHTBHVRSDS.label"] = "What behaviours do you see?"
    for a, lab in zip(BEHAVIOURS, BEHAVIOUR_LABELS, strict=False):
        strings[f"T3.questions.WHTBHVRSDS.answers.{a}.label"] = lab
    strings["T3.characteristics.CLR.label"] = "Colour"
    strings["T3.characteristics.CLR.values.BRWN.label"] = "Brown"
    strings["T3.characteristics.CLR.values.BLCK.label"] = "Black"
    strings["T3.characteristics.CLR.values.WHT.label"] = "White"
    tasks["T3"] = {"type": "survey", "next": "T4", "help": "T3.help", "images": {},
                   "choices": choices, "choicesOrder": [c for c, _ in SPECIES],
                   "questions": questions, "questionsOrder": ["HWMN", "WHTBHVRSDS"],
                   "characteristics": {"CLR": {"label": "T3.characteristics.CLR.label",
                                               "values": {v: {"label": f"T3.characteristics.CLR.values.{v}.label",
                                                              "image": ""} for v in ("BRWN", "BLCK", "WHT")},
                                               "valuesOrder": ["BRWN", "BLCK", "WHT"]}},
                   "characteristicsOrder": ["CLR"], "alwaysShowThumbnails": False}
    tasks["T4"] = {"help": "T4.help", "type": "text", "instruction": "T4.instruction"}
    strings["T4.instruction"] = T_LABELS["T4"]
    if version == OLD_VERSION:  # older version: slightly different wording
        strings["T0.question"] = "Do you see an animal?"
    return tasks, strings


def write_workflows(path, n):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(WF_HEADER)
        for ver in [(10, 15), OLD_VERSION, VERSION]:
            tasks, strings = workflow_tasks(ver)
            w.writerow([WORKFLOW_ID, WORKFLOW_NAME, ver[0], "true", n, "false", "false", "false",
                        "en", "T0", "", n // 15,
                        _dumps(tasks),
                        _dumps({"options": {"count": 15}, "criteria": "classification_count"}),
                        "{}", _dumps(strings), ver[1]])


# ----------------------------------------------------------------------------- subjects
class Subject:
    __slots__ = (
        "boxes",
        "caption",
        "count",
        "data_json",
        "heads",
        "sid",
        "species",
        "t0",
        "t1",
        "tails",
    )

    def __init__(self, rng, sid, n_class):
        self.sid = sid
        self.t0 = rng.choices((0, 1, 2), (0.65, 0.3, 0.05))[0]
        self.t1 = [rng.random() < 0.35 for _ in T1_ANSWERS]
        n_anim = rng.choices((0, 1, 2, 3), (0.2, 0.5, 0.22, 0.08))[0]
        self.heads = [(rng.uniform(60, IMG_W - 60), rng.uniform(60, IMG_H - 60)) for _ in range(n_anim)]
        self.tails = [(x + rng.uniform(-150, 150), y + rng.uniform(-80, 80)) for x, y in self.heads]
        self.boxes = [(rng.uniform(20, IMG_W - 320), rng.uniform(20, IMG_H - 220),
                       rng.uniform(60, 300), rng.uniform(40, 200)) for _ in range(min(n_anim, 2))]
        k = 1 if rng.random() < 0.8 else 2
        self.species = rng.sample(range(9), k) if n_anim else [9]
        self.count = rng.randrange(len(HOWMANY))
        self.caption = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7)))
        retired = "null"
        if rng.random() < 0.3:
            retired = _dumps({"id": 100000000 + sid, "workflow_id": WORKFLOW_ID,
                              "classifications_count": n_class,
                              "created_at": "2024-02-21T09:44:28.745Z",
                              "updated_at": "2024-03-04T16:17:42.488Z",
                              "retired_at": "2024-03-04T16:17:42.479Z",
                              "subject_id": sid, "retirement_reason": "classification_count"})
        site = rng.choice(("A", "B", "C", "D", "E"))
        roll = rng.randrange(1, 40)
        img = rng.randrange(1, 99999)
        self.data_json = (
            '{"%d":{"retired":%s,"Filename":"S%02d_%s%02d_R%d_IMAG%05d.JPG",'
            '"#site":"%s%02d","#roll":"R%d","#season":"S%02d","#capture_date":"2023-%02d-%02d",'
            '"#capture_time":"%02d:%02d:%02d",'
            '"attribution":"Benchmark Camera Traps CC BY"}}'
            % (sid, retired, rng.randrange(1, 12), site, roll % 13, roll, img,
               site, roll % 13, roll, rng.randrange(1, 12), rng.randrange(1, 13),
               rng.randrange(1, 29), rng.randrange(24), rng.randrange(60), rng.randrange(60)))


def _typo(rng, text):
    if rng.random() < 0.75:
        return text
    words = text.split(" ")
    i = rng.randrange(len(words))
    r = rng.random()
    if r < 0.4:
        words[i] = rng.choice(WORDS)
    elif r < 0.7 and len(words) > 1:
        del words[i]
    else:
        words.insert(i, rng.choice(WORDS))
    return " ".join(words)


def _noisy_marks(rng, truths, sigma, p_mark, p_false, maxn, false_fn):
    gauss, rand = rng.gauss, rng.random
    out = [[v + gauss(0, sigma) for v in tr] for tr in truths if rand() < p_mark]
    if rand() < p_false:
        out.append(false_fn())
    return out[:maxn]


_PFX = {t: f'{{"task":"{t}","task_label":{_dumps(lab)},"value":' for t, lab in T_LABELS.items()}
_T0_VAL = [_dumps(a) for a in T0_ANSWERS]
_T1_VAL = [_dumps(a) for a in T1_ANSWERS]


def annotations_json(rng, s: Subject):
    rand = rng.random
    t0 = s.t0 if rand() < 0.85 else rng.randrange(2)
    if rand() < CANT_TELL_FRACTION:
        t0 = 2
    parts = [_PFX["T0"] + _T0_VAL[t0] + "}"]
    if t0 != 2:
        t1 = [v for v, truth in zip(_T1_VAL, s.t1, strict=False) if rand() < (0.85 if truth else 0.07)]
        parts.append(_PFX["T1"] + "[" + ",".join(t1) + "]}")
        marks = []

        def rnd_pt():
            return (rng.uniform(0, IMG_W), rng.uniform(0, IMG_H))

        for tool, truths in ((0, s.heads), (1, s.tails)):
            tail = ',"tool":%d,"frame":0,"details":[],"tool_label":"%s"}' % (tool, TOOLS[tool]["label"])
            for x, y in _noisy_marks(rng, truths, 2.0, 0.85, 0.08, 4, rnd_pt):
                marks.append(f'{{"x":{round(x, 2)!r},"y":{round(y, 2)!r}' + tail)

        def rnd_box():
            return (rng.uniform(0, IMG_W - 200), rng.uniform(0, IMG_H - 150),
                    rng.uniform(30, 200), rng.uniform(30, 150))

        for x, y, bw, bh in _noisy_marks(rng, s.boxes, 1.5, 0.85, 0.05, 4, rnd_box):
            marks.append(f'{{"x":{round(x, 2)!r},"y":{round(y, 2)!r},"tool":2,"frame":0,"width":{round(abs(bw), 1)!r},"height":{round(abs(bh), 1)!r},"details":[],'
                         '"tool_label":"Body"}')
        parts.append(_PFX["T2"] + "[" + ",".join(marks) + "]}")
        choices = []
        sp = [c if rand() < 0.8 else rng.randrange(10) for c in s.species]
        if rand() < 0.05:
            sp.append(rng.randrange(9))
        for c in dict.fromkeys(sp):
            code = SPECIES[c][0]
            if code == "NTHNGHR":
                choices.append('{"choice":"NTHNGHR","answers":{},"filters":{}}')
                continue
            hm = s.count if rand() < 0.7 else rng.randrange(len(HOWMANY))
            beh = ['"' + b + '"' for b in BEHAVIOURS if rand() < 0.2] or ['"' + rng.choice(BEHAVIOURS) + '"']
            choices.append('{{"choice":"{}","answers":{{"HWMN":"{}","WHTBHVRSDS":[{}]}},"filters":{{}}}}'.format(code, HOWMANY[hm], ",".join(beh)))
        parts.append('{{"task":"T3","value":[{}]}}'.format(",".join(choices)))
    parts.append(_PFX["T4"] + _dumps(_typo(rng, s.caption)) + "}")
    return "[" + ",".join(parts) + "]"


# ----------------------------------------------------------------------------- main
def generate(n, outdir, seed=20240301, progress=False):
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random(seed)
    n_subj = max(1, n // 15)
    n_users = max(1, n // 10)
    write_workflows(os.path.join(outdir, "workflows.csv"), n)

    # volunteers: heavy-tailed activity (a few very active volunteers), some anonymous
    cum, acc = [], 0.0
    users = []
    for i in range(n_users):
        acc += 1.0 / (i + 1) ** 0.8
        cum.append(acc)
        if rng.random() < ANON_FRACTION:
            h = f"{rng.getrandbits(80):020x}"
            users.append(("not-logged-in-" + h, "", h))
        else:
            users.append(("volunteer_%d" % i, str(2000000 + i), f"{rng.getrandbits(80):020x}"))
    order = list(range(n_users))
    rng.shuffle(order)  # activity rank independent of user number
    total = cum[-1]
    user_meta = [None] * n_users  # (viewport, agent, utc_offset, session) per volunteer, lazily
    # Like Panoptes (which does not serve a volunteer a subject they have already seen), each
    # volunteer walks the subjects in a permutation: start_u + k * stride (mod n_subj), with
    # gcd(stride, n_subj) == 1, and a volunteer who has seen them all is not picked again.
    stride = max(1, int(n_subj * 0.618))
    while math.gcd(stride, n_subj) != 1:
        stride += 1
    user_start = [rng.randrange(n_subj) for _ in range(n_users)]
    user_done = [0] * n_users

    subjects: dict[int, Subject] = {}
    base = datetime(2024, 3, 1, tzinfo=UTC)
    day_cache: dict[int, str] = {}

    def stamp(sec):  # seconds since base -> ("2024-03-01", "09:00:14", "123")
        d, r = divmod(sec, 86400.0)
        d = int(d)
        ds = day_cache.get(d)
        if ds is None:
            ds = day_cache[d] = (base + timedelta(days=d)).strftime("%Y-%m-%d")
        r_ms = int(r * 1000.0)
        r_s, ms = divmod(r_ms, 1000)
        hh, rem = divmod(r_s, 3600)
        mm, ss = divmod(rem, 60)
        return ds, "%02d:%02d:%02d" % (hh, mm, ss), "%03d" % ms

    def q(v):  # CSV-quote a JSON field (Panoptes quotes every JSON column)
        return '"' + v.replace('"', '""') + '"'

    t = 9 * 3600.0
    tmp = os.path.join(outdir, "classifications.csv.tmp")
    t_start = time.time()
    with open(tmp, "w", newline="", encoding="utf-8", buffering=1 << 22) as fh:
        fh.write(",".join(CLS_HEADER) + "\n")
        write = fh.write
        for i in range(n):
            uix = order[bisect.bisect_left(cum, rng.random() * total)]
            for _ in range(50):  # a volunteer who has seen every subject gets no more
                if user_done[uix] < n_subj:
                    break
                uix = order[bisect.bisect_left(cum, rng.random() * total)]
            uname, uid, uip = users[uix]
            sidx = (user_start[uix] + user_done[uix] * stride) % n_subj
            user_done[uix] += 1
            s = subjects.get(sidx)
            if s is None:
                s = subjects[sidx] = Subject(random.Random(seed * 1000003 + sidx), 80000000 + sidx,
                                             15)
            um = user_meta[uix]
            if um is None or rng.random() < 0.05:  # new session now and then
                um = user_meta[uix] = (rng.choice(((1710, 948), (1920, 1080), (1440, 789), (390, 844))),
                                       rng.choice(USER_AGENTS), rng.choice(("0", "-3600", "18000", "25200")),
                                       f"{rng.getrandbits(256):064x}", "en" if rng.random() < 0.9 else "fr")
            dt = rng.uniform(4.0, 120.0)
            t += rng.uniform(0.05, 3.0)
            fd, ft, fms = stamp(t)
            sd, st, sms = stamp(t - dt)
            cw = 558 if um[0][0] > 1000 else 360
            ver = OLD_VERSION if rng.random() < OLD_VERSION_FRACTION else VERSION
            meta = (
                '{"source":"api","session":"%s","viewport":{"width":%d,"height":%d},'
                '"started_at":"%sT%s.%sZ","user_agent":"%s","utc_offset":"%s",'
                '"finished_at":"%sT%s.%sZ","live_project":true,"user_language":"%s",'
                '"subject_dimensions":[{"clientWidth":%d,"clientHeight":%d,"naturalWidth":%d,'
                '"naturalHeight":%d}],"workflow_translation_id":"28176"}'
                % (um[3], um[0][0], um[0][1], sd, st, sms, um[1], um[2], fd, ft, fms,
                   um[4], cw, cw * 3 // 4, IMG_W, IMG_H))
            write("%d,%s,%s,%s,%d,%s,%d.%d,%s %s UTC,,,%s,%s,%s,%d\n" % (
                400000000 + i, uname, uid, uip, WORKFLOW_ID, WORKFLOW_NAME, ver[0], ver[1],
                fd, ft, q(meta), q(annotations_json(rng, s)), q(s.data_json), s.sid))
            if progress and i and i % 200000 == 0:
                el = time.time() - t_start
                print(f"  generated {i:,} rows ({i / el:,.0f} rows/s)", file=sys.stderr, flush=True)
    os.replace(tmp, os.path.join(outdir, "classifications.csv"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of classifications")
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=20240301)
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    t0 = time.time()
    generate(a.n, a.outdir, a.seed, progress=not a.quiet)
    if not a.quiet:
        size = os.path.getsize(os.path.join(a.outdir, "classifications.csv"))
        print(f"wrote {a.n:,} classifications ({size / 1e6:,.1f} MB, {size / max(a.n, 1):,.0f} B/row) "
              f"to {a.outdir} in {time.time() - t0:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
