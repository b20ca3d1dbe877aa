"""Compile quality on held-out questions against the configured endpoint; prints JSON.

    python benchmarks/compile_quality.py [--llm local] [--set key=value ...] [--budget-min 40]
                                         [--questions benchmarks/compile_heldout.yaml] [--out /tmp/compile_quality]

Each question of ``benchmarks/compile_heldout.yaml`` (never one of the prompt's examples: those are
the hand-written families) is compiled as ``simgen-compile compile`` would, families written under
``--out`` (never into programs/compiled). A kept program is then run beside the question's
``expected`` program on probe scenes the compiler never saw (another probe seed), and called
``matches_expected`` if every case both answer agrees (an object and its category are the same
answer; metres and centimetres compare as lengths); a kept program for a question whose ``expected``
is null (the DSL cannot say it) is wrong. That is an aid to the person judging: the report's
"right" is theirs, read against the question. Printed: compiled, matches_expected, wrong_kept,
rejected by reason, LLM calls and seconds per kept family (all spent / kept, and each kept
family's own), and one line per question. Questions
are compiled in file order until ``--budget-min`` minutes have passed (the rest are listed as not
attempted); the endpoint failing stops the run (exit status 3, as simgen-compile).

Each question's row is appended to ``--out``/results.jsonl as soon as it is done; a later run with
the same ``--out`` reuses those rows and compiles only the questions not in it (``--fresh``: start
over), so a run that is stopped or runs out of time loses at most the question in progress. Delete
the file (or pass ``--fresh``) after changing the compiler: rows are not tied to a code version.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def load(path: Path):
    """(QuestionSpec, expected program or None) per entry of the held-out file."""
    from simgen.llm.spec import parse_question

    out = []
    for i, entry in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
        expected = entry.pop("expected")
        out.append((parse_question(entry, f"{path}[{i}]"), expected))
    return out


def matches(spec, kept_program: str, expected: str, probe) -> tuple[bool, int]:
    """Whether ``kept_program`` answers like ``expected`` on every probe case both answer; cases compared."""
    from simgen.llm.judge import Failed, family_for

    mine, theirs = family_for(spec, kept_program), family_for(spec, expected)
    cases = probe.cases(mine)
    compared = 0
    for a, b in zip(probe.outcomes(mine, cases), probe.outcomes(theirs, cases)):
        if isinstance(a, Failed) or isinstance(b, Failed):
            continue
        compared += 1
        if _in_cm(a) != _in_cm(b):
            return False, compared
    return compared > 0, compared


def _in_cm(outcome):
    value, unit = outcome
    return (round(value * 100, 3), "cm") if unit == "m" and isinstance(value, float) else (
        (round(value, 3), unit) if isinstance(value, float) else outcome)


def _done_rows(path: Path, ids: set[str]) -> dict[str, dict]:
    """Rows of an earlier run (results.jsonl), by question id, for the questions still asked."""
    if not path.exists():
        return {}
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by a stopped run: that question is asked again
            continue
        if row["id"] in ids:
            rows[row["id"]] = row
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--llm", default="local")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--questions", type=Path, default=ROOT / "benchmarks" / "compile_heldout.yaml")
    ap.add_argument("--out", type=Path, default=Path("/tmp/compile_quality"))
    ap.add_argument("--budget-min", type=float, default=40.0, help="stop starting new questions after this many minutes")
    ap.add_argument("--only", default="", help="comma-separated question ids (default: all)")
    ap.add_argument("--fresh", action="store_true", help="ignore the rows of an earlier run in --out/results.jsonl")
    args = ap.parse_args(argv)

    from simgen.llm.cli import build_compiler, load_llm_config
    from simgen.llm.client import LLMBudgetExceeded, LLMUnavailable
    from simgen.llm.judge import Probe
    from simgen.llm.probes import probe_episodes
    from simgen.llm.store import append_log, write_family

    entries = load(args.questions)
    if args.only:
        wanted = set(args.only.split(","))
        entries = [(s, e) for s, e in entries if s.id in wanted]
    compiler = build_compiler(load_llm_config(args.llm, args.set))
    unseen = Probe(probe_episodes(compiler.probe.seed + 101, 3), bindings_per_scene=4)  # scenes the compiler never saw
    args.out.mkdir(parents=True, exist_ok=True)
    results = args.out / "results.jsonl"
    if args.fresh:
        results.unlink(missing_ok=True)
    done = _done_rows(results, {s.id for s, _ in entries})
    start = time.perf_counter()
    rows, stopped = [], None
    for i, (spec, expected) in enumerate(entries):
        if spec.id in done:
            rows.append(done[spec.id])
            continue
        if time.perf_counter() - start > 60 * args.budget_min:
            stopped = f"budget of {args.budget_min:g} min spent"
            break
        try:
            result = compiler.compile(spec, fill=False)
        except (LLMUnavailable, LLMBudgetExceeded) as e:
            stopped = str(e)
            break
        append_log(args.out / "compile_log.jsonl", result.log_record(), compiler.client.redact)
        row = {"id": spec.id, "question": spec.templates[0], "expected": expected, "kept": result.accepted,
               "program": result.data["program"] if result.accepted else None, "reason": result.reason,
               "llm_calls": result.llm_calls, "seconds": round(result.seconds, 1),
               "candidates": [c.text for c in result.candidates]}
        if result.accepted:
            write_family(result.data, result.provenance, args.out / "families", compiler.client.redact)
            ok, compared = matches(spec, row["program"], expected, unseen) if expected else (False, 0)
            row.update(matches_expected=ok, cases_compared=compared)
        rows.append(row)
        with results.open("a", encoding="utf-8") as f:
            f.write(compiler.client.redact(json.dumps(row)) + "\n")
        print(json.dumps({k: row[k] for k in ("id", "kept", "program", "reason", "llm_calls", "seconds")}), file=sys.stderr)
    kept = [r for r in rows if r["kept"]]
    summary = {
        "endpoint": compiler.client.cfg.name, "model": compiler.client.cfg.model,
        "questions": len(entries), "attempted": len(rows), "compiled": len(kept),
        "matches_expected": sum(r.get("matches_expected", False) for r in kept),
        "wrong_kept": sum(not r.get("matches_expected", False) for r in kept),
        "rejected_by_reason": dict(Counter(r["reason"] for r in rows if not r["kept"])),
        "llm_calls_per_kept": round(sum(r["llm_calls"] for r in rows) / len(kept), 2) if kept else None,
        "seconds_per_kept": round(sum(r["seconds"] for r in rows) / len(kept), 1) if kept else None,
        "kept_family_llm_calls": [r["llm_calls"] for r in kept], "kept_family_seconds": [r["seconds"] for r in kept],
        "llm_calls_per_question": round(sum(r["llm_calls"] for r in rows) / max(len(rows), 1), 2),
        "seconds_per_question": round(sum(r["seconds"] for r in rows) / max(len(rows), 1), 1),
        "wall_s": round(time.perf_counter() - start, 1), "stopped": stopped,
        "not_attempted": [s.id for s, _ in entries[len(rows):]], "reused_from_earlier_run": sorted(done),
        "usage_this_run": compiler.client.usage.to_dict(), "per_question": rows,
    }
    text = compiler.client.redact(json.dumps(summary, indent=1))
    (args.out / "summary.json").write_text(text + "\n", encoding="utf-8")
    print(text)
    failed = stopped and not stopped.startswith("budget")
    return 3 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
