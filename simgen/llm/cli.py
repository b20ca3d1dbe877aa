"""``simgen-compile``: compile questions into verified families, paraphrase families, propose questions.

    simgen-compile compile questions.yaml llm=local            # -> programs/compiled/llm_<id>.yaml
    simgen-compile paraphrase object_counting n=2 llm=local    # verified paraphrases (JSON on stdout)
    simgen-compile propose n=5 llm=local write=proposed.yaml [compile=true]

Hydra composes ``conf/simgen_compile.yaml``: the ``llm`` group (conf/llm/NAME.yaml: none, openai,
local, endpoint; default local) and this script's own keys (``CompileJob``). Any key is set with
``key=value``: ``llm.model=gpt-4o-mini``, ``llm.compile.k=5``; ``--cfg job`` prints the composed
config, ``--help`` lists every key. The earlier options map onto keys: ``--llm NAME`` → ``llm=NAME``,
``--out``, ``--log``, ``--n``, ``--write``, ``--compile``, ``-v``. The compile log (one JSON line per
question, accepted or rejected with its reason) goes to ``log`` (default
``outputs/llm/compile_log.jsonl``); a JSON summary with acceptance rate, LLM calls, seconds per
question and completion tokens per second is printed at the end. Exit status: 0 done, 2 bad input or
configuration, 3 the endpoint failed (unreachable, timed out, past its deadline, or no request
answered); the summary is printed either way.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Optional

import yaml
from omegaconf import OmegaConf

from simgen.io import write_text
from simgen.llm.client import LLMClient, LLMConfig, LLMError, parse_llm_config
from simgen.llm.compile import CompileConfig
from simgen.registry import ConfigError, parse_config, setting, store_schema
from simgen.script_config import Script, run_script

log = logging.getLogger("simgen.llm")
DEFAULT_LOG = "outputs/llm/compile_log.jsonl"  # outputs/ is git-ignored; the log is a run artefact
COMMANDS = ("compile", "paraphrase", "propose")


@dataclass
class CompileJob:
    """simgen-compile's own keys (the ``llm`` group sits beside them)."""

    command: str = setting("???", choices=COMMANDS)
    questions: Optional[str] = None  # compile: the questions file
    family: Optional[str] = None  # paraphrase: the family id
    n: Optional[int] = setting(None, ge=1)  # paraphrases (default 2) or proposals (default 5)
    write: Optional[str] = None  # propose: write the proposals as a questions file
    compile: bool = False  # propose: compile the proposals right away
    out: Optional[str] = None  # folder for compiled families (default programs/compiled)
    log: str = DEFAULT_LOG  # compile log, one JSON line per question
    verbose: bool = False


store_schema("llm", LLMConfig, nested=(("compile", CompileConfig),))  # the llm group, read by this script only
store_schema("compile_job", CompileJob, option=False, slots=("llm",))
SCRIPT = Script("simgen-compile", "simgen_compile", __doc__,
                positional=("command", {"compile": "questions", "paraphrase": "family"}),
                flags={"--llm": "llm", "--out": "out", "--log": "log", "--n": "n", "--write": "write"},
                switches={"--compile": "compile=true", "-v": "verbose=true", "--verbose": "verbose=true"})


def load_llm_config(name: str, overrides: list[str] | None = None):
    """conf/llm/<name>.yaml with ``key=value`` overrides of its keys, validated (ConfigError names the key)."""
    cfg = SCRIPT.compose([], extra=["command=compile", f"llm={name}", *(f"llm.{o}" for o in overrides or [])])
    return parse_llm_config(OmegaConf.to_container(cfg.llm, resolve=True))


def build_compiler(llm_cfg):
    """Client, probe set and compiler from a validated LLMConfig (its ``compile`` mapping included)."""
    from simgen.llm.compile import Compiler
    from simgen.llm.judge import Probe
    from simgen.llm.probes import load_probe_episodes, probe_episodes

    cfg = parse_config(CompileConfig, dict(llm_cfg.compile), "llm.compile")
    episodes = (load_probe_episodes(Path(cfg.probe_episodes)) if cfg.probe_episodes
                else probe_episodes(cfg.probe_seed, cfg.probe_scenes))
    probe = Probe(episodes, cfg.bindings_per_scene, cfg.probe_seed)
    return Compiler(LLMClient(llm_cfg), cfg, probe)


def _cmd_compile(args, compiler) -> dict:
    from simgen.llm.compile import compile_questions
    from simgen.llm.spec import load_questions

    specs = load_questions(args.questions)
    out = Path(args.out) if args.out else _default_out()
    return compile_questions(compiler, specs, out, Path(args.log))


def _cmd_paraphrase(args, compiler) -> dict:
    from simgen.llm.paraphrase import paraphrase_family
    from simgen.resources import compiled_dir
    from simgen.qa.families import load_families

    directory = compiled_dir() if args.family.startswith("llm_") else None
    fam = load_families([args.family], directory=directory)[0]
    kept, attempts = paraphrase_family(compiler, fam, args.n)
    return {"family": fam.family, "paraphrases": kept, "attempts": attempts,
            "llm_calls": compiler.client.usage.requests}


def _cmd_propose(args, compiler) -> dict:
    from simgen.llm.compile import compile_questions
    from simgen.llm.propose import propose
    from simgen.qa.families import load_families

    existing = [f.templates[0] for f in load_families("all")]
    specs, attempts = propose(compiler.client, args.n, existing)
    entries = [{"id": s.id, "question": s.templates[0], "slots": s.slots} for s in specs]
    if args.write:
        write_text(Path(args.write), yaml.safe_dump(entries, sort_keys=False, width=120))
    summary = {"proposed": entries, "attempts": attempts}
    if args.compile and specs:
        out = Path(args.out) if args.out else _default_out()
        summary["compile"] = compile_questions(compiler, specs, out, Path(args.log))
    return summary


def _default_out() -> Path:
    from simgen.resources import compiled_dir

    return compiled_dir()


def _endpoint_failure(summary: dict, usage: dict) -> str | None:
    """Why the endpoint failed the run (stopped it, or answered no request), else None."""
    runs = [summary, summary.get("compile") or {}]
    stopped = next((r["stopped"] for r in runs if r.get("stopped")), None)
    if stopped:
        return stopped
    if usage["requests"] and not usage["completions"]:
        return f"all {usage['requests']} requests failed"
    return None


def _run(cfg) -> int:
    data = OmegaConf.to_container(cfg, resolve=True)
    job = parse_config(CompileJob, {k: v for k, v in data.items() if k != "llm"}, "")
    needs = {"compile": "questions", "paraphrase": "family"}.get(job.command)
    if needs and getattr(job, needs) is None:
        raise ConfigError(f"{needs}: `simgen-compile {job.command}` needs one (simgen-compile {job.command} "
                          f"{needs.upper()} or {needs}=...)")
    logging.basicConfig(level=logging.INFO if job.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    args = SimpleNamespace(**{**dataclasses.asdict(job), "n": job.n or (2 if job.command == "paraphrase" else 5)})
    try:
        compiler = build_compiler(parse_llm_config(data["llm"]))
        run = {"compile": _cmd_compile, "paraphrase": _cmd_paraphrase, "propose": _cmd_propose}[job.command]
        summary = run(args, compiler)
    except LLMError as e:
        raise ConfigError(str(e)) from None
    summary["usage"] = compiler.client.usage.to_dict()
    failure = _endpoint_failure(summary, summary["usage"])
    print(compiler.client.redact(json.dumps(summary, indent=1, default=str)))
    if failure:
        print(compiler.client.redact(f"simgen-compile: the endpoint failed: {failure}"), file=sys.stderr)
        return 3
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line entry point of ``simgen-compile``; exit 0 = done, 2 = bad input, 3 = the endpoint failed."""
    return run_script(SCRIPT, _run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
