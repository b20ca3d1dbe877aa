"""Adapter scenes go through the unchanged pipeline: the AI2-THOR and habitat recordings' SceneSpecs
render (as their boxes, in pybullet), get cameras planned and questions asked, from the CLI."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("builder, recording, category", [("ai2thor", "ai2thor_floorplan_mini.json", "arm chair"),
                                                          ("habitat", "habitat_mini.json", "sofa")])
def test_cli_renders_and_asks_on_an_metadata_scene(tmp_path, builder, recording, category):
    # the coverage planner: an 8-frame orbit may show too few objects clearly, and such an episode is
    # (rightly) not asked about
    args = [f"scene={builder}", f"scene.recordings={FIXTURES / recording}", "debug=smoke", "trajectory=coverage",
            "episodes=1", "run_name=adapter"]
    proc = subprocess.run([sys.executable, "-m", "simgen.cli", *args], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (episode_json,) = (tmp_path / "outputs" / "adapter").rglob("episodes/*/episode.json")
    episode = json.loads(episode_json.read_text())
    assert episode["simulator"] == "pybullet" and episode["scene"]["complexity"]["source"]["builder"] == builder
    assert category in {o["category"] for o in episode["scene"]["objects"]}
    qa = [json.loads(line) for line in next(episode_json.parents[2].glob("qa.jsonl")).read_text().splitlines()]
    assert qa and all(item["answer"] is not None for item in qa)
