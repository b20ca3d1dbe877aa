"""``simgen-compile``: compile questions into verified families, paraphrase families, propose questions.

    simgen-compile compile questions.yaml --llm local            # -> programs/compiled/llm_<id>.yaml
    simgen-compile paraphrase object_counting --n 2 --llm local  # verified paraphrases (JSON on stdout)
    simgen-compile propose --n 5 --llm local --write proposed.yaml [--compile]

``--llm NAME`` picks conf/llm/NAME.yaml (none, openai, local, endpoint); ``--set key=value``
overrides any of its keys (``--set model=gpt-4o-mini``, ``--set compile.k=5``). The compile log
(one JSON line per question, accepted or rejected with its reason) goes to ``--log``
(default ``outputs/llm/compile_log.jsonl``); a JSON summary with acceptance rate, LLM calls, seconds
per question and completion tokens per second is printed at the end. Options may come before or
after the command. Exit status: 0 done, 2 bad input or configuration, 3 the endpoint failed
(unreachable, timed out, past its deadline, or no request answered); the summary is printed either way.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import yaml
from omegaconf import OmegaConf

from simgen.llm.client import LLMClient, LLMError, parse_llm_config
from simgen.registry import ConfigError, parse_config

log = logging.getLogger("simgen.llm")
DEFAULT_LOG = "outputs/llm/compile_log.jsonl"  # outputs/ is git-ignored; the log is a run artefact


def load_llm_config(name: str, overrides: list[str] | None = None):
    """conf/llm/<name>.yaml with ``key=value`` overrides, validated (ConfigError names the file/key)."""
    from simgen.resources import conf_dir

    path = Path(conf_dir()) / "llm" / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise ConfigError(f"llm={name}: no {path}; choose one of {known}")
    cfg = OmegaConf.merge(OmegaConf.load(path), OmegaConf.from_dotlist(list(overrides or [])))
    data = OmegaConf.to_container(cfg, resolve=True)
    if data.get("name") != name:
        raise ConfigError(f"{path}.name: must equal the file name {name!r}, got {data.get('name')!r}")
    return parse_llm_config(data, f"llm({path.name})")


def build_compiler(llm_cfg):
    """Client, probe set and compiler from a validated LLMConfig (its ``compile`` mapping included)."""
    from simgen.llm.compile import CompileConfig, Compiler
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
        Path(args.write).write_text(yaml.safe_dump(entries, sort_keys=False, width=120), encoding="utf-8")
    summary = {"proposed": entries, "attempts": attempts}
    if args.compile and specs:
        out = Path(args.out) if args.out else _default_out()
        summary["compile"] = compile_questions(compiler, specs, out, Path(args.log))
    return summary


def _default_out() -> Path:
    from simgen.resources import compiled_dir

    return compiled_dir()


def _options(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """The options every command takes, before or after the command name (``--llm`` etc.).

    On the subcommands they default to SUPPRESS, so a value given before the command is kept
    unless it is given again after it."""
    def default(value):
        return value if defaults else argparse.SUPPRESS
    parser.add_argument("--llm", default=default("local"), help="conf/llm/<name>.yaml: none, openai, local, endpoint (default local)")
    parser.add_argument("--set", action="append", default=default([]), metavar="KEY=VALUE", help="override a key of the llm config")
    parser.add_argument("--out", default=default(None), help="folder for compiled families (default programs/compiled)")
    parser.add_argument("--log", default=default(DEFAULT_LOG), help=f"compile log, one JSON line per question (default {DEFAULT_LOG})")
    parser.add_argument("-v", "--verbose", action="store_true", default=default(False))


def _endpoint_failure(summary: dict, usage: dict) -> str | None:
    """Why the endpoint failed the run (stopped it, or answered no request), else None."""
    runs = [summary, summary.get("compile") or {}]
    stopped = next((r["stopped"] for r in runs if r.get("stopped")), None)
    if stopped:
        return stopped
    if usage["requests"] and not usage["completions"]:
        return f"all {usage['requests']} requests failed"
    return None


def main(argv: list[str] | None = None) -> int:
    """Command line entry point of ``simgen-compile``; exit 0 = done, 2 = bad input, 3 = the endpoint failed."""
    ap = argparse.ArgumentParser(prog="simgen-compile", description=__doc__.split("\n\n")[0])
    _options(ap, defaults=True)
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compile", help="compile a questions file into verified families")
    c.add_argument("questions", type=Path)
    p = sub.add_parser("paraphrase", help="verified paraphrases of a family's first template")
    p.add_argument("family")
    p.add_argument("--n", type=int, default=2)
    q = sub.add_parser("propose", help="propose new question templates from the scene schema")
    q.add_argument("--n", type=int, default=5)
    q.add_argument("--write", default=None, help="write the proposals as a questions file")
    q.add_argument("--compile", action="store_true", help="compile the proposals right away")
    for parser in (c, p, q):
        _options(parser, defaults=False)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        compiler = build_compiler(load_llm_config(args.llm, args.set))
        run = {"compile": _cmd_compile, "paraphrase": _cmd_paraphrase, "propose": _cmd_propose}[args.command]
        summary = run(args, compiler)
    except (ConfigError, LLMError) as e:
        print(f"simgen-compile: {e}", file=sys.stderr)
        return 2
    summary["usage"] = compiler.client.usage.to_dict()
    failure = _endpoint_failure(summary, summary["usage"])
    print(compiler.client.redact(json.dumps(summary, indent=1, default=str)))
    if failure:
        print(compiler.client.redact(f"simgen-compile: the endpoint failed: {failure}"), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
