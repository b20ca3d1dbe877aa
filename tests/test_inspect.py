"""simgen-inspect on real episodes: a `debug=smoke` run (pybullet, real H.264 video), its merge, and the
hand-made export shards as a multirun root. Box positions are checked on the written PNG's pixels
against `bbox_2d` read straight from episode.json."""
import html
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from export_fixtures import copy_shards
from simgen.export.inspect import Filters, find_sources, main, select
from simgen.export.inspect_frames import frames_to_show, referents
from simgen.export.merge import merge

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _script(name: str) -> list[str]:
    """The console script users run; ``python -m`` where the package is not installed."""
    module = {"simgen": "simgen.cli", "simgen-inspect": "simgen.export.inspect"}[name]
    return [str(BIN / name)] if (BIN / name).exists() else [sys.executable, "-m", module]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("inspect_run")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([*_script("simgen"), "debug=smoke", "run_name=insp"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (found,) = {p.parent for p in (cwd / "outputs" / "insp").glob("*/qa.jsonl")}
    return found


def records(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "qa.jsonl").read_text().splitlines() if line.strip()]


def inspect(args: list[str], capsys) -> dict:
    main([*map(str, args), "--no-progress"])
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def sheets(out: Path) -> list[dict]:
    return json.loads((out / "sheets.json").read_text())["sheets"]


def test_sheets_written_for_the_sampled_qa(run_dir, tmp_path, capsys):
    out = tmp_path / "sheets"
    summary = inspect([run_dir, "--sample", 5, "--random-seed", 1, "--out", out], capsys)
    assert summary["sheets"] == 5 and summary["passed_filters"] == len(records(run_dir))
    by_id = {r["id"]: r for r in records(run_dir)}
    page = (out / "index.html").read_text()
    for entry in sheets(out):
        png = cv2.imread(str(out / entry["file"]))
        assert png is not None and png.shape[1] >= 3 * 400  # three tiles of the default width
        record = by_id[entry["qa_id"]]
        assert entry["question"] == record["question"] and entry["family"] == record["family"]
        assert html.escape(record["question"], quote=True) in page and entry["file"] in page
        assert entry["frames"], "every sheet shows at least one frame"
    assert sorted(p.name for p in out.glob("*.png")) == sorted(e["file"] for e in sheets(out))


def test_referent_boxes_are_drawn_where_bbox_2d_says(run_dir, tmp_path, capsys):
    out = tmp_path / "boxes"
    inspect([run_dir, "--sample", 12, "--random-seed", 3, "--out", out], capsys)
    episodes = {}
    checked = 0
    for entry in sheets(out):
        ep = episodes.setdefault(entry["episode_id"], json.loads(
            (run_dir / "episodes" / entry["episode_id"] / "episode.json").read_text()))
        ids = {o["name"]: o["object_id"] for o in ep["scene"]["objects"]}
        png = cv2.imread(str(out / entry["file"]))[:, :, ::-1]  # RGB
        for tile in entry["frames"]:
            vis = {v["object_id"]: v for v in ep["frames"][tile["frame"]]["visibility"]}
            colors = [tuple(b["color"]) for b in tile["boxes"]]
            assert len(set(colors)) == len(colors), "each referent has its own colour"
            for box in tile["boxes"]:
                x0, y0, x1, y1 = vis[ids[box["name"]]]["bbox_2d"]  # independent of what the sheet recorded
                assert box["bbox_2d"] == [x0, y0, x1, y1]
                s = tile["scale"]
                px = lambda v, o: o + int(round((v + 0.5) * s - 0.5))  # noqa: E731
                left, right, top, bottom = px(x0, tile["x"]), px(x1, tile["x"]), px(y0, tile["y"]), px(y1, tile["y"])
                if bottom - top < 6 or right - left < 6:
                    continue  # a sliver: its outline is mostly label
                color = np.array(box["color"])
                for column in (left, right):  # vertical edges: at (x0, y0..y1) and (x1, y0..y1), not transposed
                    edge = png[top + 2:bottom - 1, column].astype(int)
                    hits = np.all(np.abs(edge - color) <= 2, axis=1).mean()
                    assert hits >= 0.6, f"{entry['file']} frame {tile['frame']} {box['name']}: {hits:.2f} of its edge"
                inside = png[(top + bottom) // 2, left + 3:right - 2].astype(int)
                assert np.all(np.abs(inside - color) <= 2, axis=1).mean() < 0.5  # an outline, not a filled box
                checked += 1
    assert checked >= 5


def test_video_question_shows_the_strip_best_frames_and_named_frame(run_dir):
    ep_dir = run_dir / "episodes"
    video_items = [r for r in records(run_dir) if r["modality"] == "video" and r["certificate"].get("visibility")]
    (src,) = find_sources(run_dir)
    items = {it.id: it for it in src.items()}
    item = items[video_items[0]["id"]]
    episode = json.loads((ep_dir / item.episode_id / "episode.json").read_text())
    n = len(episode["frames"])
    refs = referents(item, episode)
    shown = dict(frames_to_show(item, episode, refs, strip=6))
    assert {0, n - 1} <= set(shown) and all("strip" in shown[f] for f in (0, n - 1))
    for name, oid in refs:
        pixels = [next(v["visible_pixels"] for v in fr["visibility"] if v["object_id"] == oid) for fr in episode["frames"]]
        if max(pixels) > 0:
            best, first = int(np.argmax(pixels)), min(f for f, p in enumerate(pixels) if p > 0)
            if best == first:
                assert f"first+best {name}" in shown[best]
            else:
                assert f"best {name}" in shown[best] and f"first {name}" in shown[first]
    image_item = next(it for it in items.values() if it.modality == "image")
    episode = json.loads((ep_dir / image_item.episode_id / "episode.json").read_text())
    assert [f for f, _ in frames_to_show(image_item, episode, referents(image_item, episode), 6)] == list(image_item.frames)
    named = [it for it in items.values() if it.family == "object_in_frame"]
    assert named
    for it in named:  # "... at T s?": the frame at T (its `frame` slot) is on the sheet
        episode = json.loads((ep_dir / it.episode_id / "episode.json").read_text())
        assert f"{it.bindings['frame'] / episode['fps']:.1f} s" in it.question.replace(" seconds", " s")
        assert "read" in dict(frames_to_show(it, episode, referents(it, episode), 6))[it.bindings["frame"]]


def test_size_question_shows_the_frame_its_referent_is_whole_in(run_dir):
    """A size question rests on a frame showing the object whole (nearly all its box in frame, little
    hidden), which is often not its largest: the sheet shows that frame, read back from episode.json."""
    from simgen.qa.scene_view import WHOLE_IN_FRAME, WHOLE_MAX_OCCLUSION

    (src,) = find_sources(run_dir)
    checked = 0
    for item in src.items():
        wholes = {name: v["whole_frame"] for name, v in item.certificate.get("visibility", {}).items()
                  if "whole_frame" in v}
        if item.modality != "video" or not wholes:
            continue
        episode = json.loads((run_dir / "episodes" / item.episode_id / "episode.json").read_text())
        shown = dict(frames_to_show(item, episode, referents(item, episode), strip=6))
        for name, frame in wholes.items():
            oid = item.certificate["visibility"][name]["object_id"]
            (vis,) = [v for v in episode["frames"][frame]["visibility"] if v["object_id"] == oid]
            assert vis["in_frame_fraction"] >= WHOLE_IN_FRAME and vis["occlusion"] <= WHOLE_MAX_OCCLUSION
            assert f"whole {name}" in shown[frame]
            checked += 1
    assert checked >= 1


def test_referents_are_every_object_the_question_names(run_dir):
    (src,) = find_sources(run_dir)
    named = 0
    for item in src.items():
        episode = json.loads((run_dir / "episodes" / item.episode_id / "episode.json").read_text())
        names = {name for name, _ in referents(item, episode)}
        assert set(item.certificate.get("visibility", {})) <= names
        objects = episode["scene"]["objects"]
        for value in item.bindings.values():  # a category slot, or a list of them ("pair", "objs"); frames are ints
            for category in value if isinstance(value, list) else [value]:
                if not isinstance(category, str):
                    continue
                expected = {o["name"] for o in objects if o["category"] == category}
                coloured = {o["name"] for o in objects if f'{o["color"]} {o["category"]}' == category}  # "red chair"
                assert expected <= names and (expected or coloured), (item.family, category)
                assert coloured & names or not coloured, (item.family, category)
                named += 1
    assert named >= 20  # not vacuous: every category named (by a slot or the answer) was found in the scene


def test_filters_pick_family_episode_seed_and_id(run_dir, tmp_path, capsys):
    rows = records(run_dir)
    family, episode = rows[0]["family"], rows[-1]["episode_id"]
    summary = inspect([run_dir, "--family", family, "--sample", 0, "--out", tmp_path / "f"], capsys)
    assert summary["sheets"] == summary["passed_filters"] == sum(r["family"] == family for r in rows)
    assert {e["family"] for e in sheets(tmp_path / "f")} == {family}
    summary = inspect([run_dir, "--episode", episode[:-2], "--episode", episode, "--family", family,
                       "--seed", rows[0]["seed"], "--sample", 0, "--out", tmp_path / "e"], capsys)
    assert {e["episode_id"] for e in sheets(tmp_path / "e")} <= {r["episode_id"] for r in rows if r["episode_id"].startswith(episode[:-2])}
    summary = inspect([run_dir, "--id", rows[3]["id"], "--id", rows[5]["id"][:8], "--out", tmp_path / "i"], capsys)
    assert {e["qa_id"] for e in sheets(tmp_path / "i")} >= {rows[3]["id"], rows[5]["id"]}
    with pytest.raises(SystemExit) as e:
        main([str(run_dir), "--seed", "987", "--no-progress", "--out", str(tmp_path / "none")])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "--seed 987" in err and family in err and "Traceback" not in err


def test_sample_is_seeded_reproducible_and_in_file_order(run_dir):
    sources = find_sources(run_dir)
    pick = lambda seed: [it.id for _, it in select(sources, Filters(), 10, seed)[0]]  # noqa: E731
    assert pick(4) == pick(4) and len(pick(4)) == 10
    assert pick(4) != pick(5)
    order = [r["id"] for r in records(run_dir)]
    assert pick(4) == sorted(pick(4), key=order.index)
    everything, passed = select(sources, Filters(), 0, 0)
    assert [it.id for _, it in everything] == order and sum(passed.values()) == len(order)


def test_merged_dataset_and_multirun_root(run_dir, tmp_path, capsys):
    merge([run_dir], tmp_path / "dataset")
    summary = inspect([tmp_path / "dataset", "--sample", 3], capsys)
    assert summary["sheets"] == 3 and (tmp_path / "dataset" / "inspect" / "index.html").is_file()
    shards = copy_shards(tmp_path / "multirun")
    summary = inspect([tmp_path / "multirun", "--sample", 0], capsys)
    assert summary["sheets"] == sum(len(records(s)) for s in shards)
    assert {Path(e["source"]).name for e in sheets(tmp_path / "multirun" / "inspect")} == {s.name for s in shards}
    summary = inspect([tmp_path / "multirun", "--sample", 4], capsys)  # a re-run replaces the earlier sheets
    assert len(list((tmp_path / "multirun" / "inspect").glob("*.png"))) == 4


@pytest.mark.parametrize("make", ["missing", "empty_dir", "empty_qa"])
def test_bad_dir_is_a_clean_error_with_exit_code_2(tmp_path, make, capsys):
    target = tmp_path / "x"
    if make != "missing":
        target.mkdir()
    if make == "empty_qa":
        (target / "qa.jsonl").write_text("")
    with pytest.raises(SystemExit) as e:
        main([str(target), "--no-progress"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert str(target) in err and "Traceback" not in err
    assert {"missing": "not a folder", "empty_dir": "no qa.jsonl", "empty_qa": "holds no questions"}[make] in err


def test_console_script_help_and_bad_dir_exit_code(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([*_script("simgen-inspect"), "--help"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0 and "usage: simgen-inspect" in proc.stdout and "--family" in proc.stdout
    proc = subprocess.run([*_script("simgen-inspect"), str(tmp_path)], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 2 and proc.stderr.startswith("simgen-inspect: ") and "Traceback" not in proc.stderr
