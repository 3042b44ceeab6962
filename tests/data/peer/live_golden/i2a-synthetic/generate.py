"""Generate a synthetic Intro2Astro classification export: classifications.csv.

Seeded and deterministic (`python3 generate.py`). Workflow 301 at 2.5, task T0: one column
mark (x, width) on a galaxy's spectrum. Five galaxies (subject metadata as the project's
manifest has it: RA, Dec, URL, spiral, elliptical, Distance_Mpc, SVG_filename,
#Published_Redshift); two image widths (1152 and 1536 pixels); a classification with no
mark; one with two marks (only the first counts).
"""
import csv
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(3012026)
GALAXIES = [("1237665128518320259", "121.62522", "17.42804", "0.1091188"),
            ("1237648720693755918", "190.31021", "-0.42733", "0.0811342"),
            ("1237651754549657660", "200.11547", "2.00915", "0.0472210"),
            ("1237658493881663537", "150.90133", "8.37760", "0.0253119"),
            ("1237654953644433494", "171.06613", "4.94001", "0.0678231")]


def main():
    rows = []
    cid = 900000
    for subject, (galaxy, ra, dec, z) in enumerate(GALAXIES, start=5001):
        natural = 1152 if subject % 2 else 1536
        metadata_subject = {"RA": ra, "Dec": dec, "URL": f"http://skyserver.sdss.org/dr12/en/tools/explore/Summary.aspx?ra={ra}&dec={dec}",
                            "spiral": str(subject % 2), "elliptical": str(1 - subject % 2),
                            "Distance_Mpc": str(round(float(z) * 3e5 / 68, 7)), "SVG_filename": f"{galaxy}.svg",
                            "#Published_Redshift": z}
        for user in range(4):
            cid += 1
            centre = (393.37 * (1 + float(z)) - 380) / 120 * (1081 - 108) / 1152 * natural + 108 / 1152 * natural
            width = rng.uniform(20, 90)
            marks = [{"x": round(centre - width / 2 + rng.uniform(-15, 15), 4), "width": round(width, 4),
                      "tool": 0, "frame": 0, "details": [], "0": 0}]
            if cid % 7 == 0:
                marks = []
            elif cid % 5 == 0:
                marks.append({"x": 10.0, "width": 5.0, "tool": 0, "frame": 0, "details": []})
            metadata = {"source": "api", "user_agent": "Mozilla/5.0", "utc_offset": "0", "live_project": True,
                        "subject_dimensions": [{"clientWidth": 444, "clientHeight": 333,
                                                "naturalWidth": natural, "naturalHeight": natural * 3 // 4}]}
            rows.append({
                "classification_id": cid, "user_name": f"student{user}", "user_id": 600 + user, "user_ip": "ff00",
                "workflow_id": 301, "workflow_name": "Galaxy velocities", "workflow_version": "2.5",
                "created_at": f"2021-02-0{user + 1} 09:1{user}:00 UTC", "gold_standard": "", "expert": "",
                "metadata": json.dumps(metadata),
                "annotations": json.dumps([{"task": "T0", "task_label": "Mark the calcium K line", "value": marks}]),
                "subject_data": json.dumps({str(subject): {"retired": None, **metadata_subject}}),
                "subject_ids": subject})
    with open(os.path.join(HERE, "classifications.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
