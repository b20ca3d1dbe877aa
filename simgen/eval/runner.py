"""Evaluate a vision-language model behind any OpenAI-compatible endpoint on a VSI-Bench-style file.

``simgen-eval <dataset>/vsibench.jsonl --model NAME [--base-url URL] --out DIR [key=value ...]``

Hydra composes ``conf/simgen_eval.yaml`` (``EvalJob``): every option is also a key (``model=NAME``,
``num_frames=16``, ``plots=false``); ``--cfg job`` prints the composed config, ``--help`` lists the keys.

Each row's ``prompt`` is sent with its media: image rows as their frame images; video rows either
as ``--num-frames`` frames sampled uniformly from the video (``--media frames``, works with every
vision endpoint) or as the mp4 itself (``--media video``, a ``video_url`` part, which vLLM and
some others accept). Answers are scored as they arrive and appended to ``predictions.jsonl``; a
re-run skips rows already answered, so a killed evaluation resumes. At the end the file is put in
evaluation order and ``scores.json``, ``breakdown.json`` and ``plots/`` are written.

The API key is read from the environment variable named by ``--api-key-env`` (default
``OPENAI_API_KEY``; servers that need none get a placeholder) and is never written anywhere.
"""
from __future__ import annotations

import base64
import functools
import json
import logging
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from omegaconf import OmegaConf
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from simgen.eval.scorer import score, summarize
from simgen.io import atomic_open, iter_jsonl, json_line, read_jsonl, write_json
from simgen.registry import ConfigError, check_config, parse_config, setting, store_schema
from simgen.script_config import Script, run_script

log = logging.getLogger("simgen.eval")
MEDIA_MODES = ("frames", "video")
PREDICTIONS = "predictions.jsonl"


@dataclass(frozen=True)
class RunnerConfig:
    """Endpoint, model and how media are sent."""

    model: str = "???"  # the model the endpoint serves
    base_url: str | None = None  # None: the SDK's default (or OPENAI_BASE_URL)
    api_key_env: str = "OPENAI_API_KEY"  # the environment variable holding the key
    # frames: sampled frames as images (every vision endpoint); video: the mp4 as a video_url part (vLLM)
    media: str = setting("frames", choices=MEDIA_MODES)
    num_frames: int = setting(8, ge=1)
    max_tokens: int = setting(64, ge=1)
    temperature: float = 0.0
    workers: int = setting(4, ge=1)
    timeout_s: float = setting(120.0, gt=0.0)
    max_retries: int = setting(2, ge=0)
    limit: int | None = setting(None, ge=1)  # evaluate only the first N rows

    def validate(self, where: str = "eval") -> None:
        """What types cannot say: a model is named."""
        if not self.model or self.model == "???":
            raise ConfigError(f"{where}.model: name the model the endpoint serves (model=NAME or --model NAME)")


@dataclass(frozen=True)
class EvalJob(RunnerConfig):
    """simgen-eval's keys (``conf/simgen_eval.yaml``): the runner's, the evaluation file and the output folder."""

    eval_file: str = "???"  # vsibench.jsonl from simgen-export formats=[vsibench]
    out: str = "???"  # folder for predictions.jsonl, scores.json, plots/
    plots: bool = True

    def validate(self, where: str = "eval") -> None:
        """A model, an evaluation file and an output folder are named."""
        for key in ("eval_file", "out"):
            if getattr(self, key) == "???":
                raise ConfigError(f"{key}: missing; simgen-eval EVAL_FILE --model NAME --out DIR")
        super().validate(where)


store_schema("eval_job", EvalJob, option=False)
SCRIPT = Script("simgen-eval", "simgen_eval", __doc__, positional=("eval_file",),
                flags={"--model": "model", "--base-url": "base_url", "--api-key-env": "api_key_env", "--media": "media",
                       "--num-frames": "num_frames", "--max-tokens": "max_tokens", "--workers": "workers",
                       "--limit": "limit", "--out": "out"},
                switches={"--no-plots": "plots=false"})


def sample_indices(total: int, k: int) -> list[int]:
    """``k`` frame indices spread uniformly over ``total`` frames (segment centres); all if k ≥ total."""
    if k >= total:
        return list(range(total))
    return sorted({int((i + 0.5) * total / k) for i in range(k)})


def _data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _image_part(jpeg: bytes) -> dict:
    return {"type": "image_url", "image_url": {"url": _data_url("image/jpeg", jpeg)}}


@functools.lru_cache(maxsize=8)  # rows come grouped by episode: decode each video once
def video_frames_jpeg(video: Path, k: int) -> tuple[bytes, ...]:
    """``k`` uniformly sampled frames of a video as JPEG bytes."""
    import imageio_ffmpeg

    from simgen.export.dataset import decode_frames, encode_jpeg

    total, _ = imageio_ffmpeg.count_frames_and_secs(str(video))
    frames = decode_frames(video, sample_indices(total, k))
    return tuple(encode_jpeg(frames[i]) for i in sorted(frames))


def media_parts(row: dict, base: Path, cfg: RunnerConfig) -> list[dict]:
    """The content parts carrying a row's images or video (paths in the row are relative to ``base``)."""
    if row.get("images"):
        return [_image_part((base / p).read_bytes()) for p in row["images"]]
    video = base / row["video"]
    if cfg.media == "video":
        return [{"type": "video_url", "video_url": {"url": _data_url("video/mp4", video.read_bytes())}}]
    return [_image_part(jpeg) for jpeg in video_frames_jpeg(video.resolve(), cfg.num_frames)]


def build_messages(row: dict, base: Path, cfg: RunnerConfig) -> list[dict]:
    """One user turn: the media parts, then the row's prompt."""
    return [{"role": "user", "content": media_parts(row, base, cfg) + [{"type": "text", "text": row["prompt"]}]}]


def make_client(cfg: RunnerConfig):
    """An ``openai.OpenAI`` client for the endpoint (the SDK is imported only here)."""
    try:
        from openai import OpenAI
    except ImportError:
        raise ConfigError('the eval runner needs the openai SDK: pip install -e ".[llm]"') from None
    key = os.environ.get(cfg.api_key_env) or "EMPTY"  # local servers (vLLM, llama.cpp) accept any key
    return OpenAI(base_url=cfg.base_url, api_key=key, timeout=cfg.timeout_s, max_retries=cfg.max_retries)


def ask(client, row: dict, base: Path, cfg: RunnerConfig) -> str:
    """The model's answer text for one row."""
    response = client.chat.completions.create(model=cfg.model, messages=build_messages(row, base, cfg),
                                              max_tokens=cfg.max_tokens, temperature=cfg.temperature)
    return response.choices[0].message.content or ""


def _answered(pred_path: Path) -> dict[str, dict]:
    """Rows already answered by an earlier run (a line cut short by a kill is ignored and re-asked)."""
    if not pred_path.is_file():
        return {}
    return {row["id"]: row for _, row in iter_jsonl(pred_path, skip_invalid=True, keys=("id",))}


def run_eval(eval_file: Path, out_dir: Path, cfg: RunnerConfig, plots: bool = True) -> dict:
    """Ask, score and write predictions, scores and the breakdown; returns the summary."""
    from simgen.eval.breakdown import write_breakdown

    check_config(cfg, "eval")
    eval_file, out_dir = Path(eval_file), Path(out_dir)
    rows = read_jsonl(eval_file, keys=("id", "prompt", "ground_truth"))[: cfg.limit]
    base = eval_file.parent
    out_dir.mkdir(parents=True, exist_ok=True)
    pred_path = out_dir / PREDICTIONS
    done = _answered(pred_path)
    pending = [r for r in rows if r["id"] not in done]
    client = make_client(cfg) if pending else None
    lock, failed = threading.Lock(), []
    with open(pred_path, "a", encoding="utf-8") as sink, ThreadPoolExecutor(cfg.workers) as pool:
        futures = {pool.submit(ask, client, row, base, cfg): row for row in pending}
        for future in tqdm(as_completed(futures), total=len(futures), desc="eval", unit="qa", disable=None):
            row = futures[future]
            try:
                prediction = future.result()
            except Exception as e:  # one failed request is reported and retried on the next run
                log.error("eval: %s failed: %s: %s", row["id"], type(e).__name__, e)
                failed.append({"id": row["id"], "error": f"{type(e).__name__}: {e}"})
                continue
            result = {**row, "prediction": prediction, "score": score(row, prediction)}
            with lock:
                sink.write(json_line(result) + "\n")
                sink.flush()
                done[row["id"]] = result
    ordered = [done[r["id"]] for r in rows if r["id"] in done]
    with atomic_open(pred_path) as f:
        f.writelines(json_line(r) + "\n" for r in ordered)
    summary = {**summarize(ordered), "failed": failed, "model": cfg.model, "settings": asdict(cfg)}
    write_json(out_dir / "scores.json", summary)
    write_breakdown(ordered, out_dir, plots=plots)
    return summary


def _run(cfg) -> int:
    job = parse_config(EvalJob, OmegaConf.to_container(cfg, resolve=True), "")
    runner = RunnerConfig(**{f.name: getattr(job, f.name) for f in fields(RunnerConfig)})
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        with logging_redirect_tqdm():  # errors are logged above the progress bar, not into it
            summary = run_eval(Path(job.eval_file), Path(job.out), runner, plots=job.plots)
    except (ConfigError, FileNotFoundError, ValueError) as e:
        raise SystemExit(f"eval: {e}")
    except KeyboardInterrupt:  # answers so far are in predictions.jsonl
        print("interrupted; re-run the same command to resume", file=sys.stderr)
        return 130
    print(json.dumps({k: summary[k] for k in ("n", "overall", "micro")} | {"failed": len(summary["failed"])}))
    if summary["failed"] and not summary["n"]:
        raise SystemExit(f"eval: every request failed ({len(summary['failed'])}); see the errors above")
    if summary["failed"]:
        raise SystemExit(f"eval: {len(summary['failed'])} request(s) failed; re-run the same command to retry them")
    return 0


def main(argv: list[str] | None = None) -> None:
    """Command line: evaluate an OpenAI-compatible vision model on an evaluation file."""
    code = run_script(SCRIPT, _run, argv)
    if code:
        sys.exit(code)


if __name__ == "__main__":
    main()
