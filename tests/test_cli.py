"""The Hydra app end to end, from a temp dir outside the checkout, on the tiny `debug=smoke` config."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
_SCRIPT = Path(sys.executable).parent / "simgen"
# the console script users run; `python -m simgen.cli` where the package is not installed
SIMGEN = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "simgen.cli"]


def simgen(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([*SIMGEN, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"simgen {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def run_dir(cwd: Path, run_name: str) -> Path:
    """The one run dir of ``run_name`` (named after the overrides, e.g. ``outputs/smoke/debug=smoke``)."""
    (found,) = {p.parent for p in (cwd / "outputs" / run_name).glob("*/run.json")}
    return found


def episodes(run_dir: Path) -> list[Path]:
    return sorted(p.parent for p in (run_dir / "episodes").glob("*/.done"))


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("outside_repo")
    simgen(cwd, "debug=smoke", "stages=[render]", "run_name=smoke")
    return run_dir(cwd, "smoke")


def test_smoke_run_writes_complete_episodes(smoke_run):
    eps = episodes(smoke_run)
    assert len(eps) == 2
    for ep in eps:
        data = json.loads((ep / "episode.json").read_text())
        assert data["schema_version"] == 1 and len(data["frames"]) == 8  # 4 fps × 2 s
        assert {"video.mp4", "arrays.npz", ".done"} <= {p.name for p in ep.iterdir()}
        frame = data["frames"][0]
        assert len(frame["objects"]) == len(frame["visibility"]) == len(data["scene"]["objects"])
        assert (ep / "video.mp4").stat().st_size > 1000
        arrays = np.load(ep / "arrays.npz")
        assert arrays["depth_mm"].shape == arrays["instance"].shape == (8, 120, 160)
        for f, frame in enumerate(data["frames"]):  # visibility numbers are the stored masks' own counts
            for v in frame["visibility"]:
                assert v["visible_pixels"] == int((arrays["instance"][f] == v["object_id"]).sum())
    run = json.loads((smoke_run / "run.json").read_text())
    assert len(run["render"]["rendered"]) == 2 and run["render"]["renderer"] in ("tiny", "egl")


def test_video_is_browser_playable_h264(smoke_run):
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(episodes(smoke_run)[0] / "video.mp4"))
    meta = next(reader)
    assert meta["codec"].startswith("h264") and tuple(meta["size"]) == (160, 120)
    assert sum(1 for _ in reader) == 8
    head = (episodes(smoke_run)[0] / "video.mp4").read_bytes()[:64]
    assert b"ftyp" in head


def test_rerun_skips_done_and_redoes_unfinished(smoke_run):
    cwd = smoke_run.parents[2]
    first = episodes(smoke_run)
    before = (first[1] / "episode.json").read_bytes()
    (first[1] / ".done").unlink()  # as if the run had been killed before the marker
    simgen(cwd, "debug=smoke", "stages=[render]", "run_name=smoke")
    run = json.loads((smoke_run / "run.json").read_text())
    assert run["render"]["skipped_done"] == [first[0].name]
    assert run["render"]["rendered"] == [first[1].name]
    assert (first[1] / "episode.json").read_bytes() == before  # resumed to the same bytes


def test_same_seed_identical_different_seed_differs(tmp_path, smoke_run):
    simgen(tmp_path, "debug=smoke", "stages=[render]", "run_name=again", "episodes=1")
    simgen(tmp_path, "debug=smoke", "stages=[render]", "run_name=other", "episodes=1", "seed=7")
    a = (episodes(smoke_run)[0] / "episode.json").read_text()
    b = (episodes(run_dir(tmp_path, "again"))[0] / "episode.json").read_text()
    c = json.loads((episodes(run_dir(tmp_path, "other"))[0] / "episode.json").read_text())
    assert json.loads(a)["episode_id"] == json.loads(b)["episode_id"] and a == b
    assert c["scene"]["objects"] != json.loads(a)["scene"]["objects"]


@pytest.mark.parametrize(
    "override, message",
    [
        ("simulator.name=unity", "unknown simulator 'unity'; known: "),
        ("trajectory.name=teleport", "known: coverage, ego, house_tour, lookat, orbit, tabletop, walkthrough"),
        ("episodes=0", "episodes: expected an int ≥ 1, got 0"),
        ("scene.num_furniture=-1", "num_furniture"),
        ("scene.num_furniture=500", "num_furniture"),
        ("camera.vfov_deg=200", "vfov"),
    ],
)
def test_bad_config_fails_fast_with_a_clear_message(tmp_path, override, message):
    proc = simgen(tmp_path, "debug=smoke", override, check=False)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr
    assert not list(tmp_path.glob("outputs/*/*/episodes/*")) and not list(tmp_path.glob("outputs/*/episodes/*"))
    assert not list(tmp_path.glob("outputs/*/*"))  # no run dir is left behind, not even an empty one


@pytest.mark.parametrize("override, line", [
    ("seed=abc", "seed: expected an int, got 'abc'"),
    ("camera.width=12.5", "camera.width: expected an int, got 12.5"),
    ("camera.width=-3", "camera.width: expected an int ≥ 1, got -3"),
    ("scene.num_objecs=3", "scene.num_objecs: unknown key; allowed: ["),
    ("simulator=unity", "simulator=unity: no conf/simulator/unity.yaml; choose one of ai2thor, habitat, mujoco, pybullet"),
])
def test_a_bad_value_is_one_line_with_exit_2_and_no_run_dir(tmp_path, override, line):
    proc = simgen(tmp_path, "debug=smoke", override, check=False)
    assert proc.returncode == 2 and proc.stderr.startswith(f"configuration error: {line}"), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "outputs").exists()  # composed and checked before Hydra makes a run dir


def test_unreadable_scene_file_names_the_file(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"scene_id": "x"')
    proc = simgen(tmp_path, "debug=smoke", "scene=from_file", f"scene.path={bad}", check=False)
    assert proc.returncode != 0 and "broken.json" in proc.stdout + proc.stderr


def test_help_and_cfg_job(tmp_path):
    assert "simgen -m" in simgen(tmp_path, "--help").stdout
    cfg = simgen(tmp_path, "--cfg", "job", "seed=5").stdout
    assert "seed: 5" in cfg and "trajectory:" in cfg


@pytest.mark.slow
def test_multirun_sweep_makes_one_shard_per_job(tmp_path):
    simgen(tmp_path, "-m", "debug=smoke", "stages=[render]", "episodes=1", "scene.num_small_objects=1,3")
    (sweep,) = (tmp_path / "outputs" / "simgen-multirun").iterdir()  # this sweep's own (timestamped) dir
    shards = sorted(sweep.glob("*/run.json"))
    assert len(shards) == 2
    runs = [json.loads(p.read_text()) for p in shards]
    assert sorted(r["shard"] for r in runs) == [0, 1]
    assert runs[0]["config_hash"] != runs[1]["config_hash"]
    assert json.loads((sweep / "sweep.json").read_text())["failed"] == 0


@pytest.mark.slow
def test_a_failing_job_does_not_stop_its_siblings(tmp_path):
    proc = simgen(tmp_path, "-m", "debug=smoke", "stages=[render]", "episodes=1", "scene.num_furniture=500,1,2",
                  "hydra.launcher.n_jobs=2", "hydra.sweep.dir=outputs/named", check=False)
    assert proc.returncode == 1  # the sweep says some job failed
    sweep = tmp_path / "outputs" / "named"
    summary = json.loads((sweep / "sweep.json").read_text())
    assert (summary["jobs"], summary["ok"], summary["failed"]) == (3, 2, 1)
    bad = sweep / "debug=smoke,scene.num_furniture=500"
    assert "num_furniture" in json.loads((bad / "failed.json").read_text())["error"]
    for good in ("debug=smoke,scene.num_furniture=1", "debug=smoke,scene.num_furniture=2"):
        assert (sweep / good / "run.json").is_file() and not (sweep / good / "failed.json").exists()
    assert "job debug=smoke,scene.num_furniture=500 failed" in proc.stdout + proc.stderr


def test_ctrl_c_prints_one_line_and_the_rerun_resumes(tmp_path):
    import signal
    import time

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # Ctrl-C as a terminal gives it: a runner started in the background by a shell without job control
    # (`nohup … &`) ignores SIGINT, and its children would inherit that and never see the signal
    proc = subprocess.Popen([*SIMGEN, "debug=smoke", "episodes=50", "stages=[render]"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob("outputs/*/*/episodes/*/.done")) and time.monotonic() < deadline:
        time.sleep(0.2)  # interrupt once an episode is finished, in the middle of the run
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == "interrupted; re-run the same command to resume"
    assert "Traceback" not in err


def test_non_editable_install_finds_its_configs(tmp_path):
    """A wheel ships conf/ inside the package, so the CLI works without the checkout."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(tmp_path / "wheel"), str(REPO)], check=True, capture_output=True, timeout=300)
    wheel = next((tmp_path / "wheel").glob("simgen-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(tmp_path / "site"),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    proc = subprocess.run([sys.executable, "-m", "simgen.cli", "--cfg", "job"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "simulator:" in proc.stdout
    probe = subprocess.run([sys.executable, "-c", "import simgen.resources as r; print(r.conf_folder())"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=60)
    assert str(tmp_path / "site") in probe.stdout
    source = {p.parent.relative_to(REPO) for p in (REPO / "simgen").rglob("__init__.py")}
    shipped = {p.parent.relative_to(tmp_path / "site") for p in (tmp_path / "site" / "simgen").rglob("__init__.py")}
    assert source <= shipped, f"packages missing from pyproject's list: {sorted(map(str, source - shipped))}"
    assert any((tmp_path / "site" / "simgen" / "programs").glob("*.yaml")), "families ship with the wheel"


def test_ask_stage_reuses_episodes_without_a_simulator(smoke_run, tmp_path):
    """`stages=[ask]` never imports pybullet (a poisoned stub proves it) and is byte-reproducible."""
    cwd = smoke_run.parents[2]
    poison = tmp_path / "poison"
    poison.mkdir()
    (poison / "pybullet.py").write_text("raise ImportError('the ask stage must not touch a simulator')\n")
    env_path = f"{poison}{os.pathsep}{REPO}"
    outputs = []
    for _ in range(2):
        proc = subprocess.run([*SIMGEN, "debug=smoke", "stages=[ask]", "run_name=smoke"], cwd=cwd,
                              env={**os.environ, "PYTHONPATH": env_path}, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        outputs.append((smoke_run / "qa.jsonl").read_bytes())
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") > 0
    stats = json.loads((smoke_run / "stats.json").read_text())
    assert stats["kept"] == outputs[0].count(b"\n") and "rejected" in stats and "audit" in stats
    assert "llm_calls_per_accepted_qa" in stats  # compiled families are asked like hand-written ones


def test_an_episode_that_cannot_be_read_back_makes_the_exit_status_1(smoke_run, tmp_path):
    """The ask stage skips an unreadable episode and keeps the rest, and the command says so: exit 1."""
    cwd = tmp_path / "copy"
    shutil.copytree(smoke_run.parents[2], cwd)
    copied = run_dir(cwd, "smoke")
    bad = episodes(copied)[0] / "episode.json"
    record = json.loads(bad.read_text())
    bad.write_text(json.dumps({**record, "schema_version": 99}))
    proc = simgen(cwd, "debug=smoke", "stages=[ask]", "run_name=smoke", check=False)
    assert proc.returncode == 1, proc.stderr
    assert "1 episode(s) failed" in proc.stdout + proc.stderr and "Traceback" not in proc.stdout + proc.stderr
    failed = json.loads((copied / "run.json").read_text())["ask"]["episodes"]["failed"]
    assert [f["episode"] for f in failed] == [bad.parent.name]
    assert (copied / "qa.jsonl").is_file()  # the other episode's questions are written all the same
