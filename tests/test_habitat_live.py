"""Live habitat-sim: a real scene renders and the adapter's golden check holds.

Skipped unless habitat-sim is installed (conda) AND ``SIMGEN_HABITAT_SCENE`` names a scene (with
``SIMGEN_HABITAT_DATASET`` its scene_dataset_config, if it needs one); see docs/backends.md.
"""
import importlib.util
import os

import numpy as np
import pytest

if importlib.util.find_spec("habitat_sim") is None:
    pytest.skip("habitat-sim not installed (conda install habitat-sim headless -c conda-forge -c aihabitat)",
                allow_module_level=True)
SCENE = os.environ.get("SIMGEN_HABITAT_SCENE")
if not SCENE:
    pytest.skip("live habitat needs a scene dataset: set SIMGEN_HABITAT_SCENE (and SIMGEN_HABITAT_DATASET)",
                allow_module_level=True)

from simgen.geometry import look_at  # noqa: E402
from simgen.registry import SCENE_BUILDERS, SIMULATORS  # noqa: E402
from simgen.simulators import habitat_frames as hf  # noqa: E402
from simgen.scene.metadata_scene import box_consistency  # noqa: E402


def test_golden_check_looking_at_the_largest_object():
    sim = SIMULATORS.build({"name": "habitat"})
    try:
        spec = SCENE_BUILDERS.build({"name": "habitat", "scenes": [SCENE],
                                     "scene_dataset_config": os.environ.get("SIMGEN_HABITAT_DATASET")}).build(0, 0, 0)
        states = sim.load(spec)
        target = max(spec.objects, key=lambda o: np.prod(o.half_extents))
        center = np.array(target.pose.position)
        T = look_at(center + [2.0, 2.0, 1.0], center)
        intr = hf.intrinsics_from_hfov(160, 120, 90.0)
        obs = sim.render(T, intr)
        shares = box_consistency(obs.instance, obs.depth, T, intr, spec, states, tol=0.05)
        assert target.object_id in shares and np.median(list(shares.values())) > 0.9, shares
    finally:
        sim.close()
