#!/usr/bin/env python3
"""The standard zooagg benchmark: config -> extract -> reduce on generated exports.

    .venv/bin/python bench/run.py [N ...] [--peer] [--no-zooagg]

Stdlib only (the floor measurement runs pyarrow + orjson in a subprocess of the zooagg venv).

For every N (args, else env BENCH_N, else "10000 100000 1000000"):
  * generate (or reuse, cached in bench/.data/N{N}/) a workflow + classification export
    with bench/generate.py;
  * floor: parse the classification CSV (pyarrow.csv streaming) and json-decode its three JSON
    columns (orjson): the least any extract has to do;
  * zooagg: config, extract (every extractor of the config), reduce (one per extractor output);
  * with PEER=1 (or --peer), the peer (panoptes_aggregation) on the same files, only for
    N <= PEER_MAX_N (default 100000).
Each stage: wall seconds, rows/s, peak RSS of the child (os.wait4 rusage of that child: its
own peak, or of its largest waited-for descendant). Every stage has a timeout (BENCH_TIMEOUT,
default 1800 s, for both tools) so a run always ends. Results: a markdown table on stdout and in
bench/results.md (rewritten after every N).

Environment knobs: BENCH_N, PEER, PEER_MAX_N, BENCH_TIMEOUT, BENCH_CPU (passed as -c to extract
and reduce of both tools), ZOOAGG (path of the zooagg executable), PEER_BIN (path of
panoptes_aggregation), BENCH_PYTHON (python with pyarrow+orjson for the floor), BENCH_DATA.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import hashlib
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
DATA = os.environ.get("BENCH_DATA") or os.path.join(BENCH, ".data")
ZOOAGG = os.environ.get("ZOOAGG") or os.path.join(ROOT, ".venv", "bin", "zooagg")
PEER_BIN = os.environ.get("PEER_BIN") or "/tmp/peer/bin/panoptes_aggregation"
PYTHON = os.environ.get("BENCH_PYTHON") or (
    os.path.join(ROOT, ".venv", "bin", "python")
    if os.path.exists(os.path.join(ROOT, ".venv", "bin", "python")) else sys.executable)
WORKFLOW_ID = 12345
NOT_SUPPORTED = "not yet supported"

FLOOR_SCRIPT = r"""
import sys, time
import pyarrow as pa, pyarrow.csv as pc, orjson
path = sys.argv[1]
json_cols = ["metadata", "annotations", "subject_data"]
with open(path, "r", encoding="utf-8") as fh:
    header = fh.readline().rstrip("\n").split(",")
reader = pc.open_csv(
    path,
    read_options=pc.ReadOptions(block_size=8 << 20),
    parse_options=pc.ParseOptions(newlines_in_values=True),
    convert_options=pc.ConvertOptions(column_types={c: pa.string() for c in header}),
)
n = 0
loads = orjson.loads
for batch in reader:
    n += batch.num_rows
    for c in json_cols:
        for v in batch.column(c).to_pylist():
            if v is not None:
                loads(v)
print(n)
"""


# the weighting stage's like-for-like check: crowd-kit's own DawidSkene fit and zooagg's on the
# same answers (the single question T0 of the question extracts), in one process
CROWDKIT_SCRIPT = r"""
import sys, time
import numpy as np, pandas as pd
from crowdkit.aggregation import DawidSkene
from zooagg.tasks.dawid_skene import dawid_skene
from zooagg.tasks.weighting import Answers
df = pd.read_csv(sys.argv[1], dtype=str)
df = df[df["task"] == "T0"]
answers = [c for c in df.columns if c.startswith("data.") and c != "data.aggregation_version"]
df = df.assign(label=df[answers].notna().idxmax(axis=1), worker=df["user_id"].fillna(df["user_name"]))
df = df[df[answers].notna().any(axis=1)].drop_duplicates(["subject_id", "worker"])
data = pd.DataFrame({"task": df["subject_id"], "worker": df["worker"], "label": df["label"]})
t = time.perf_counter(); theirs = DawidSkene(n_iter=100).fit_predict(data); ck = time.perf_counter() - t
codes = [pd.factorize(data[c])[0] for c in ("task", "worker")]
labels, names = pd.factorize(data["label"], sort=True)
t = time.perf_counter(); ours = dawid_skene(Answers.of(*codes, labels, len(names))); zo = time.perf_counter() - t
same = float(np.mean(names[ours.posterior.argmax(1)] == theirs.reindex(pd.unique(data["task"])).to_numpy()))
print(f"{len(data)} answers: crowd-kit DawidSkene fit {ck:.2f} s, zooagg's {zo:.3f} s "
      f"({ck / zo:.0f}x); same label on {same:.1%} of subjects")
"""


# ----------------------------------------------------------------------------- running
def run_cmd(cmd, cwd, timeout, log_path):
    """Run cmd; return dict(rc, wall, mb, timed_out). Peak RSS from os.wait4 of this child."""
    with open(log_path, "w") as log:
        log.write("$ " + " ".join(cmd) + "\n")
        log.flush()
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as e:
            log.write(f"cannot start: {e}\n")
            return {"rc": 127, "wall": 0.0, "mb": None, "timed_out": False}
        killed = threading.Event()

        def _kill():
            killed.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, _kill)
        timer.daemon = True
        timer.start()
        try:
            while True:  # blocking wait: exact wall time, rusage of this very child
                try:
                    _, status, ru = os.wait4(p.pid, 0)
                    break
                except InterruptedError:
                    continue
        except KeyboardInterrupt:
            _kill()
            raise
        finally:
            timer.cancel()
        timed_out = killed.is_set()
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        # ru_maxrss is in KiB on Linux, bytes on macOS
        mb = ru.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        if timed_out:
            log.write(f"\n[bench] TIMEOUT after {timeout}s\n")
        log.write(f"\n[bench] rc={p.returncode} wall={wall:.3f}s maxrss={mb:.1f}MB\n")
    return {"rc": p.returncode, "wall": wall, "mb": mb, "timed_out": timed_out}


def tail(path, n=6):
    try:
        with open(path, errors="replace") as fh:
            lines = [ln.rstrip() for ln in fh if ln.strip() and not ln.startswith("[bench]")]
        return " | ".join(lines[-n:])
    except OSError:
        return ""


def count_lines(path):
    """Data lines of a CSV (newline count minus header; exact for our generated data)."""
    n = 0
    with open(path, "rb") as fh:
        while True:
            b = fh.read(1 << 24)
            if not b:
                break
            n += b.count(b"\n")
    return max(n - 1, 0)


# ----------------------------------------------------------------------------- configs
def parse_config(path):
    """Tiny reader for the peer's config YAML: top-level keys of extractor_config / reducer_config.
    (The YAML is written by yaml.dump with indent 4; we only need the names.)"""
    names, section = [], None
    with open(path) as fh:
        for line in fh:
            if not line.strip():
                continue
            if not line.startswith(" "):
                section = line.split(":")[0].strip()
                continue
            m = re.match(r"^ {4}([A-Za-z0-9_]+):", line)
            if m and section in ("extractor_config", "reducer_config"):
                names.append(m.group(1))
    return names


def write_subset_config(src, dst, keep):
    """Copy extractor config keeping only the extractor names in `keep`."""
    out, section, skip = [], None, False
    with open(src) as fh:
        for line in fh:
            if line.strip() and not line.startswith(" "):
                section = line.split(":")[0].strip()
                skip = False
                out.append(line)
                continue
            m = re.match(r"^ {4}([A-Za-z0-9_]+):", line)
            if m and section == "extractor_config":
                skip = m.group(1) not in keep
            if not skip:
                out.append(line)
    with open(dst, "w") as fh:
        fh.writelines(out)


def zooagg_components():
    """(extractors, reducers) registered in zooagg, or (None, None) when unknown."""
    try:
        out = subprocess.run([ZOOAGG, "list"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None, None
    if out.returncode != 0:
        return None, None
    ex, red, section = set(), set(), None
    for line in out.stdout.splitlines():
        s = line.strip().lower()
        if s.startswith("extractors"):
            section = ex
            continue
        if s.startswith("reducers"):
            section = red
            continue
        m = re.match(r"^\s{1,4}([a-z0-9_]+)\s*:", line) or re.match(r"^\s*[-*]?\s*([a-z0-9_]+)\s*$", line)
        if m and section is not None:
            section.add(m.group(1))
    if not ex and not red:
        return None, None
    return ex, red


def extractor_supported(name, registered):
    if registered is None:
        return True
    if name in registered:
        return True
    base = re.sub(r"_(rectangle|circle|column|ellipse|fullWidthLine|fullHeightLine|line|"
                  r"rotateRectangle|triangle|fan)$", "", name)
    return base in registered


# ----------------------------------------------------------------------------- data
def gen_hash():
    with open(os.path.join(BENCH, "generate.py"), "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()[:16]


def ensure_data(n):
    d = os.path.join(DATA, f"N{n}")
    stamp = os.path.join(d, ".stamp")
    want = f"{gen_hash()} {n}"
    if (os.path.exists(stamp) and Path(stamp).read_text().strip() == want
            and os.path.exists(os.path.join(d, "classifications.csv"))):
        return d, None
    os.makedirs(d, exist_ok=True)
    print(f"generating N={n:,} into {d} ...", flush=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, os.path.join(BENCH, "generate.py"), str(n), d], check=True)
    el = time.perf_counter() - t0
    with open(stamp, "w") as fh:
        fh.write(want + "\n")
    return d, el


# ----------------------------------------------------------------------------- stages
class Row:
    def __init__(self, n, stage, rows_in=None):
        self.n, self.stage, self.rows_in = n, stage, rows_in
        self.z = None  # result dict or a string (not supported / skipped / failed...)
        self.p = None
        self.note = ""


def fmt_res(res, rows_in):
    """-> (seconds, rows/s, MB) strings."""
    if res is None:
        return "", "", ""
    if isinstance(res, str):
        return res, "", ""
    if res["timed_out"]:
        return f"timeout ({res['wall']:.0f}s)", "", _mb(res["mb"])
    if res["rc"] != 0:
        return f"FAILED rc={res['rc']} ({res['wall']:.2f}s)", "", _mb(res["mb"])
    rps = f"{rows_in / res['wall']:,.0f}" if rows_in and res["wall"] > 0 else ""
    return f"{res['wall']:.2f}", rps, _mb(res["mb"])


def _mb(mb):
    return "" if mb is None else f"{mb:,.0f}"


def ok(res):
    return isinstance(res, dict) and res["rc"] == 0 and not res["timed_out"]


def ratio(r):
    if ok(r.z) and ok(r.p) and r.z["wall"] > 0:
        return f"{r.p['wall'] / r.z['wall']:.1f}x"
    return ""


def run_n(n, args, rows, log):
    d, gen_secs = ensure_data(n)
    cls = os.path.join(d, "classifications.csv")
    wf = os.path.join(d, "workflows.csv")
    work = os.path.join(DATA, "run", f"N{n}")
    shutil.rmtree(work, ignore_errors=True)
    zdir, pdir = os.path.join(work, "zooagg"), os.path.join(work, "peer")
    os.makedirs(zdir)
    os.makedirs(pdir)
    size_mb = os.path.getsize(cls) / 1e6
    if gen_secs is not None:
        log(f"N={n:,}: generated {size_mb:,.0f} MB in {gen_secs:.1f}s")
    cpu = ["-c", str(args.cpu)] if args.cpu else []
    timeout = args.timeout
    do_peer = args.peer and n <= args.peer_max_n
    do_z = not args.no_zooagg

    def stage(name, rows_in=None):
        r = Row(n, name, rows_in)
        rows.append(r)
        return r

    def run(tool, r, cmd, cwd, tag):
        logf = os.path.join(work, f"{tool}_{tag}.log")
        res = run_cmd(cmd, cwd, timeout, logf)
        if res["rc"] != 0 or res["timed_out"]:
            log(f"  [{tool}] {r.stage}: rc={res['rc']}{' TIMEOUT' if res['timed_out'] else ''}: "
                f"{tail(logf, 3)[:400]} (log: {os.path.relpath(logf, ROOT)})")
        setattr(r, "z" if tool == "zooagg" else "p", res)
        s, rps, mb = fmt_res(res, r.rows_in)
        rps = f"{rps:>10} rows/s" if rps else " " * 17
        log(f"  [{tool:6}] {r.stage:<58} {s:>10} s  {rps}  {mb:>7} MB")
        return res

    # floor ----------------------------------------------------------------------------
    r = stage("floor: csv parse + json x3 (pyarrow+orjson)", n)
    fl = os.path.join(work, "floor.py")
    with open(fl, "w") as fh:
        fh.write(FLOOR_SCRIPT)
    run("zooagg", r, [PYTHON, fl, cls], work, "floor")
    r.note = "no work, reference"

    # config ---------------------------------------------------------------------------
    r = stage("config")
    if do_z:
        run("zooagg", r, [ZOOAGG, "config", wf, str(WORKFLOW_ID), "-d", zdir], zdir, "config")
    if do_peer:
        run("peer", r, [PEER_BIN, "config", wf, str(WORKFLOW_ID), "-d", pdir], pdir, "config")

    def find_cfg(dirname):
        for f in sorted(os.listdir(dirname)):
            if f.startswith(f"Extractor_config_workflow_{WORKFLOW_ID}_V") and f.endswith(".yaml"):
                return os.path.join(dirname, f)
        return None

    z_cfg = find_cfg(zdir) if do_z else None
    p_cfg = find_cfg(pdir) if do_peer else None
    ref_cfg = p_cfg or z_cfg
    if ref_cfg is None:
        log(f"  no extractor config produced for N={n}; skipping extract/reduce")
        return
    version = re.search(r"_V(.+)\.yaml$", ref_cfg).group(1)
    extractors = parse_config(ref_cfg)
    log(f"  extractors in config: {', '.join(extractors)}")
    if z_cfg is None and do_z:  # zooagg config failed: give zooagg the peer's configs
        for f in os.listdir(pdir):
            if f.endswith(".yaml"):
                shutil.copy(os.path.join(pdir, f), zdir)
        z_cfg = os.path.join(zdir, os.path.basename(p_cfg))
        r.note = "zooagg config failed; extract/reduce use the peer's configs"

    z_ex, z_red = zooagg_components() if do_z else (None, None)
    z_supported = [e for e in extractors if extractor_supported(e, z_ex)]
    z_missing = [e for e in extractors if e not in z_supported]

    # extract --------------------------------------------------------------------------
    z_extracted = set()
    r_all = stage("extract (all extractors)", n)
    if do_peer:
        run("peer", r_all, [PEER_BIN, "extract", cls, p_cfg, "-d", pdir, "-hb", *cpu], pdir, "extract")
    if do_z:
        if not z_missing:
            res = run("zooagg", r_all, [ZOOAGG, "extract", cls, z_cfg, "-d", zdir, "-hb", *cpu],
                      zdir, "extract")
            if ok(res):
                z_extracted = set(extractors)
        else:
            r_all.z = NOT_SUPPORTED
            r_all.note = "zooagg lacks: " + ", ".join(z_missing)
            if z_supported:
                sub = os.path.join(zdir, "Extractor_config_subset.yaml")
                write_subset_config(z_cfg, sub, set(z_supported))
                r_sub = stage(f"extract (only {', '.join(z_supported)})", n)
                r_sub.note = "like-for-like subset"
                res = run("zooagg", r_sub, [ZOOAGG, "extract", cls, sub, "-d", zdir, "-hb", *cpu],
                          zdir, "extract_subset")
                if ok(res):
                    z_extracted = set(z_supported)
                if do_peer:
                    psub = os.path.join(pdir, "Extractor_config_subset.yaml")
                    write_subset_config(p_cfg, psub, set(z_supported))
                    psdir = os.path.join(pdir, "subset")
                    os.makedirs(psdir, exist_ok=True)
                    run("peer", r_sub, [PEER_BIN, "extract", cls, psub, "-d", psdir, "-hb", *cpu],
                        pdir, "extract_subset")
    if do_z and z_extracted:  # a zero exit but missing outputs counts as failure
        for e in list(z_extracted):
            if not os.path.exists(os.path.join(zdir, f"{e}_extractions.csv")):
                log(f"  [zooagg] extract: exit 0 but no {e}_extractions.csv")
                z_extracted.discard(e)

    # reduce ---------------------------------------------------------------------------
    for e in extractors:
        rcfg_name = f"Reducer_config_workflow_{WORKFLOW_ID}_V{version}_{e}.yaml"
        reducers = parse_config(os.path.join(pdir if do_peer else zdir, rcfg_name)) \
            if os.path.exists(os.path.join(pdir if do_peer else zdir, rcfg_name)) else []
        red = reducers[0] if reducers else "?"
        p_in = os.path.join(pdir, f"{e}_extractions.csv")
        z_in = os.path.join(zdir, f"{e}_extractions.csv")
        rows_in = None
        if os.path.exists(z_in):
            rows_in = count_lines(z_in)
        elif os.path.exists(p_in):
            rows_in = count_lines(p_in)
        r = stage(f"reduce {red} ({e})", rows_in)
        if do_peer:
            if os.path.exists(p_in):
                run("peer", r, [PEER_BIN, "reduce", p_in, os.path.join(pdir, rcfg_name), "-d", pdir,
                                "-o", e, "-hb", *cpu], pdir, f"reduce_{e}")
            else:
                r.p = "no extract"
        if do_z:
            if e in z_missing or (z_red is not None and red not in z_red):
                r.z = NOT_SUPPORTED
            elif e not in z_extracted:
                r.z = "no extract"
            elif not os.path.exists(os.path.join(zdir, rcfg_name)):
                r.z = "no config"
            else:
                run("zooagg", r, [ZOOAGG, "reduce", z_in, os.path.join(zdir, rcfg_name), "-d", zdir,
                                  "-o", e, "-hb", *cpu], zdir, f"reduce_{e}")
        # output sizes, as a sanity check
        outs = []
        for tool, dd, res in (("zooagg", zdir, r.z), ("peer", pdir, r.p)):
            f = os.path.join(dd, f"{red}_{e}.csv")
            if ok(res) and os.path.exists(f):
                outs.append(f"{tool} {count_lines(f):,} rows")
        if outs:
            r.note = ", ".join(outs)


    if do_z:
        run_weighting(n, zdir, work, stage, run, log)


def run_weighting(n, zdir, work, stage, run, log):
    """`zooagg weight -m dawid_skene` and `-m mace` over the single question T0 of the question
    extracts (a 100,000-classification workflow at N=100000), then crowd-kit's own Dawid-Skene fit
    on the same answers (crowd-kit's MACE takes minutes there: docs/weighting.md has its ratio)."""
    extracts = os.path.join(zdir, "question_extractor_extractions.csv")
    wdir = os.path.join(zdir, "weighted")
    done = {}
    for method in ("dawid_skene", "mace"):
        r = stage(f"weight {method} (T0, question extracts)", n)
        if not os.path.exists(extracts):
            r.z = "no extract"
            continue
        res = run("zooagg", r, [ZOOAGG, "weight", extracts, "-m", method, "-t", "T0", "-d", wdir],
                  zdir, f"weight_{method}")
        if ok(res):
            done[method] = r
    r = done.get("dawid_skene")
    if r is None:
        return
    script = os.path.join(work, "crowdkit_ds.py")
    with open(script, "w") as fh:
        fh.write(CROWDKIT_SCRIPT)
    logf = os.path.join(work, "crowdkit.log")
    check = run_cmd([PYTHON, script, extracts], work, 1800, logf)
    line = tail(logf, 1).strip()
    r.note = line if check["rc"] == 0 else f"crowd-kit check failed (is zooagg[weighting] installed?): {line[:120]}"
    log(f"  [crowd-kit] {r.note}")


# ----------------------------------------------------------------------------- report
def machine_info():
    info = {}
    info["date"] = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    info["host"] = platform.node()
    info["os"] = platform.platform()
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["cpu"] = cpu
    try:
        aff = len(os.sched_getaffinity(0))
    except AttributeError:
        aff = os.cpu_count()
    info["nproc"] = f"{aff} (os.cpu_count={os.cpu_count()})"
    try:
        with open("/proc/meminfo") as fh:
            mem = {ln.split(":")[0]: ln.split(":")[1].strip() for ln in fh}
        info["memory"] = f"{int(mem['MemTotal'].split()[0]) / 1024 / 1024:.1f} GiB total, " \
                         f"{int(mem['MemAvailable'].split()[0]) / 1024 / 1024:.1f} GiB available"
    except (OSError, KeyError, ValueError):
        info["memory"] = "?"
    info["runner python"] = sys.version.split()[0]
    for key, exe in (("zooagg python", PYTHON),):
        try:
            info[key] = subprocess.run([exe, "-c", "import sys;print(sys.version.split()[0])"],
                                       capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            info[key] = "?"
    try:
        v = subprocess.run([ZOOAGG, "--version"], capture_output=True, text=True, timeout=60)
        info["zooagg"] = (v.stdout.strip() or v.stderr.strip()).splitlines()[-1] if v.returncode == 0 else "?"
    except (OSError, subprocess.TimeoutExpired, IndexError):
        info["zooagg"] = "not installed"
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
        info["git"] = rev + (" (+ uncommitted changes in src/)" if dirty else "")
    except OSError:
        info["git"] = "?"
    return info


def table(rows, peer):
    hdr = ["N", "stage", "zooagg s", "rows/s", "peak MB"]
    if peer:
        hdr += ["peer s", "peer MB", "peer/zooagg"]
    hdr += ["notes"]
    out = ["| " + " | ".join(hdr) + " |", "|" + "|".join("---" for _ in hdr) + "|"]
    for r in rows:
        zs, zr, zm = fmt_res(r.z, r.rows_in)
        cells = [f"{r.n:,}", r.stage, zs, zr, zm]
        if peer:
            ps, _, pm = fmt_res(r.p, r.rows_in)
            cells += [ps, pm, ratio(r)]
        cells += [r.note]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def write_results(path, info, rows, args, ns, logs):
    with open(path + ".tmp", "w") as fh:
        fh.write("# zooagg benchmark results\n\n")
        fh.write("Generated by `bench/run.py` (see bench/README.md). Wall seconds per stage, "
                 "rows/s = input rows / s (classifications for extract and floor, extract rows "
                 "for reduce), peak MB = max RSS of the stage's process (Linux counts the runner's ~15 MB "
                 "at fork into it). The floor row is the zooagg venv python parsing the CSV "
                 "(pyarrow.csv, newlines_in_values) and orjson-decoding metadata, annotations "
                 "and subject_data: the least any extract must do.\n\n")
        for k, v in info.items():
            fh.write(f"- **{k}**: {v}\n")
        fh.write(f"- **N**: {', '.join(f'{n:,}' for n in ns)}; peer: "
                 f"{'yes, for N <= {}'.format(f'{args.peer_max_n:,}') if args.peer else 'not run'}; "
                 f"timeout per stage {args.timeout}s; cpu flag: {args.cpu or 'tool default'}\n\n")
        fh.write(table(rows, args.peer) + "\n\n")
        if logs:
            fh.write("## Log\n\n```\n" + "\n".join(logs) + "\n```\n")
    os.replace(path + ".tmp", path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="zooagg standard benchmark")
    ap.add_argument("n", nargs="*", type=int, help="sizes (default: env BENCH_N or 10000 100000 1000000)")
    ap.add_argument("--peer", action="store_true", default=os.environ.get("PEER", "") not in ("", "0"),
                    help="also run panoptes_aggregation (env PEER=1)")
    ap.add_argument("--peer-max-n", type=int, default=int(os.environ.get("PEER_MAX_N", "100000")))
    ap.add_argument("--no-zooagg", action="store_true", help="only the peer (and the floor)")
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("BENCH_TIMEOUT", "1800")))
    ap.add_argument("--cpu", type=int, default=int(os.environ.get("BENCH_CPU", "0")) or None,
                    help="pass -c N to extract and reduce (default: each tool's own default)")
    ap.add_argument("--results", default=os.path.join(BENCH, "results.md"))
    args = ap.parse_args(argv)

    def _term(signum, frame):  # SIGTERM: stop like Ctrl-C (the running stage's group is killed)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _term)
    ns = args.n or [int(x) for x in (os.environ.get("BENCH_N") or "10000 100000 1000000").split()]

    if not args.no_zooagg and not os.path.exists(ZOOAGG):
        print(f"warning: {ZOOAGG} not found; zooagg stages will fail", file=sys.stderr)
    if args.peer and not os.path.exists(PEER_BIN):
        print(f"warning: peer {PEER_BIN} not found; disabling PEER", file=sys.stderr)
        args.peer = False
    info = machine_info()
    print("\n".join(f"{k}: {v}" for k, v in info.items()), flush=True)
    rows, logs = [], []

    def log(msg):  # results.md is rewritten after every stage, so a killed run leaves a report
        logs.append(msg)
        print(msg, flush=True)
        write_results(args.results, info, rows, args, ns, logs)

    for n in ns:
        log(f"== N={n:,}" + ("" if not args.peer else
                             " (peer too)" if n <= args.peer_max_n else " (peer skipped: N > PEER_MAX_N)"))
        try:
            run_n(n, args, rows, log)
        except KeyboardInterrupt:
            log("interrupted")
            break
        except Exception as e:  # noqa: BLE001 - keep going with the next N, keep what we have
            log(f"  benchmark error at N={n}: {type(e).__name__}: {e}")
        write_results(args.results, info, rows, args, ns, logs)
    print()
    print(table(rows, args.peer))
    write_results(args.results, info, rows, args, ns, logs)
    print(f"\nwrote {os.path.relpath(args.results)}")


if __name__ == "__main__":
    main()
