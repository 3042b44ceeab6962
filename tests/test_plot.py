"""`zooagg plot`: a PNG per subject with the volunteers' marks and the consensus shapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from zooagg.cli import main
from zooagg.subject_plot import Mark, marks_of, plot_files, plot_subject

CASE = Path(__file__).parent / "golden" / "many-tools-cats-drawing" / "expected"
CIRCLES = CASE / "shape_extractor_circle_extractions.csv"
CIRCLE_CLUSTERS = CASE / "shape_reducer_dbscan_circle.csv"


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_a_png_with_every_mark_and_the_consensus_is_written(tmp_path: Path) -> None:
    ((path, drawn),) = plot_files([CIRCLES, CIRCLE_CLUSTERS], ["458022"], None, tmp_path)
    assert path == tmp_path / "plot_458022.png"
    assert png_size(path) == (1000, 650)
    assert drawn == 6 + 1  # six volunteers' circles and one cluster


def test_eps_and_min_samples_re_run_the_reducer(tmp_path: Path) -> None:
    # with a tiny eps no two circles are neighbours: no consensus at all
    ((_, drawn),) = plot_files([CIRCLES, CIRCLE_CLUSTERS], ["458022"], None, tmp_path, eps=0.001)
    assert drawn == 6
    ((_, drawn),) = plot_files([CIRCLES], ["458022"], None, tmp_path, eps=200, min_samples=2)
    assert drawn == 6 + 1


def test_polygon_reductions_become_outlines() -> None:
    data = {"frame0": {"T0_toolIndex0_clusters_x": [[0, 10, 10, 0]], "T0_toolIndex0_clusters_y": [[0, 0, 10, 10]],
                       "T0_toolIndex0_clusters_count": [3]}}
    (mark,) = marks_of(data, consensus=True)
    assert mark.shape == "polygon"
    assert mark.params == ([0, 10, 10, 0], [0, 0, 10, 10])


def test_the_image_is_the_background_and_sets_the_canvas(tmp_path: Path) -> None:
    import numpy as np
    from matplotlib import image as mpimg

    picture = tmp_path / "458022.png"
    mpimg.imsave(picture, np.zeros((300, 500, 3)))
    marks = [Mark("T0_tool0", "point", (10.0, 20.0)), Mark("T0_tool0", "point", (11.0, 21.0), consensus=True)]
    out = tmp_path / "out.png"
    assert plot_subject("458022", marks, out, title="t", image=picture) == 2
    dark = mpimg.imread(out)[300:350, 300:400, :3].mean()
    assert dark < 0.1  # the black image fills the middle of the axes


def test_the_cli_needs_a_subject_and_warns_about_url_images(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    assert main(["plot", str(CIRCLES)]) == 2
    subjects = tmp_path / "subjects.csv"
    subjects.write_text('subject_id,metadata,locations\n458022,"{""width"": 640, ""height"": 480}",'
                        '"{""0"": ""https://panoptes-uploads.zooniverse.org/x.jpeg""}"\n')
    code = main(["plot", str(CIRCLES), "--subject", "458022", "--subjects", str(subjects), "-o", str(tmp_path)])
    assert code == 0
    assert "not fetched" in capsys.readouterr().err
    assert (tmp_path / "plot_458022.png").is_file()


def test_an_unknown_subject_names_the_ones_there_are(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", str(CIRCLES), "--subject", "1", "-o", str(tmp_path)]) != 0
    assert "subject 1 has no extracts" in capsys.readouterr().err


def test_a_damaged_subject_export_cell_is_named_not_passed_over(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    subjects = tmp_path / "subjects.csv"
    subjects.write_text('subject_id,metadata,locations\n458022,"{""width"": 640","{""0"": ""x.png""}"\n')
    code = main(["plot", str(CIRCLES), "--subject", "458022", "--subjects", str(subjects), "-o", str(tmp_path)])
    assert code == 0
    err = capsys.readouterr().err
    assert (f"warning: {subjects}: subject 458022: its metadata cannot be read (invalid JSON (unexpected "
            f"end of data): '{{\"width\": 640'); plotted without it") in err, err
    assert "locations" not in err  # that cell reads
    assert png_size(tmp_path / "plot_458022.png") == (1000, 650)  # the canvas falls back, as with no metadata
