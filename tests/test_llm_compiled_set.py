"""The compiled families committed in programs/compiled/ (made by the real local model) stay valid and right.

They load through the hand-written families' loader, carry provenance, are asked and verified on
probe scenes like any family, and give the same answers as the hand-written family their curated
question names, on every probe case.
"""
from pathlib import Path

import pytest

from simgen.llm.judge import Probe
from simgen.llm.probes import probe_episodes
from simgen.llm.spec import load_questions
from simgen.qa.provenance import read_provenance
from simgen.resources import compiled_dir
from simgen.qa.families import load_families

CURATED = {s.family_id: s for s in load_questions(Path(__file__).parent / "fixtures" / "llm_curated.yaml")}
COMPILED = load_families("all", directory=compiled_dir())
PROBE = Probe(probe_episodes(1, 2), bindings_per_scene=4)  # other probe scenes than the compiler used


def test_the_curated_accepted_set_is_there():
    assert len(COMPILED) >= 3 and all(f.family in CURATED for f in COMPILED)
    assert not {f.family for f in COMPILED} & {f.family for f in load_families("all", compiled=False)}  # ids never collide
    assert {f.family for f in COMPILED} <= {f.family for f in load_families("all")}  # asked like any family


@pytest.mark.parametrize("fam", COMPILED, ids=[f.family for f in COMPILED])
def test_a_compiled_family_has_provenance_and_matches_its_reference(fam):
    prov = read_provenance(fam.family)
    assert prov["model"] == "qwen2.5-coder-1.5b-instruct-q4_k_m" and prov["agreement"] == 1.0
    assert prov["question"] == CURATED[fam.family].templates[0] and prov["llm_calls"] >= 3
    reference = load_families([CURATED[fam.family].reference_family])[0]
    cases = PROBE.cases(fam)
    assert cases and PROBE.outcomes(fam, cases) == PROBE.outcomes(reference, cases)
    kept, counts, _ = PROBE.verify(fam)
    assert kept >= 1, counts
