"""A VSI-Bench evaluation set that lmms-eval's own VSI-Bench task code scores, plus its task YAML.

lmms-eval's task (``lmms_eval/tasks/vsibench/utils.py``) decides what is accepted:

- only VSI-Bench's eight question types (the three ``object_rel_direction_*`` levels count as one);
  any other type raises "Unknown question type", so other families and image-only records are left
  out (the summary counts them);
- multiple-choice types carry ``options`` ("A. text" lines) and the letter as ``ground_truth``;
  numeric types (``object_counting``, ``object_abs_distance``, ``object_size_estimation``,
  ``room_size_estimation``) carry no options and a number, scored by Mean Relative Accuracy after
  ``float()`` (so ``answer_mode``, ``cot`` and ``instruction`` are fixed for this format);
- ``doc_to_visual`` opens ``$HF_HOME/vsibench/<dataset>/<scene_name>.mp4``, so each episode's video
  is linked at ``vsibench/<dataset>/<episode_id>.mp4`` inside the export dir.

lmms-eval's aggregation averages the three ``object_rel_direction`` levels and stops with a KeyError
(``'object_rel_direction_medium_accuracy'``) when any level has no row, so the export's summary warns
when a level is missing (sweep all three families for an evaluation set).

``prompt`` is the text lmms-eval's ``doc_to_text`` builds with the task's default settings (VSI's
pre- and post-prompts), which ``simgen-eval`` sends. ``lmms_eval/simgen_vsibench.yaml`` points
lmms-eval at this file and at its own VSI-Bench functions::

    HF_HOME=<export dir> lmms-eval --model ... --tasks simgen_vsibench --include_path <export dir>/lmms_eval
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from simgen.export import EXPORTERS
from simgen.export.base import JsonLinesExporter, Sample
from simgen.export.prompt import PromptConfig, number_text, option_lines
from simgen.io import link_or_copy, write_text
from simgen.registry import ConfigError

log = logging.getLogger("simgen.export")
DIRECTION_LEVELS = ("object_rel_direction_easy", "object_rel_direction_medium", "object_rel_direction_hard")
MC_TYPES = (*DIRECTION_LEVELS, "object_rel_distance", "route_planning", "obj_appearance_order")
NUMBER_TYPES = ("object_abs_distance", "object_counting", "object_size_estimation", "room_size_estimation")
PRE_PROMPT = "These are frames of a video."  # what doc_to_text uses when the task's pre_prompt is empty
MC_POST_PROMPT = "Answer with the option's letter from the given choices directly."
NUMBER_POST_PROMPT = "Please answer the question using a single word or phrase."
VIDEO_CACHE = "vsibench"  # lmms-eval's vsibench.yaml: dataset_kwargs.cache_dir
TASK_DIR = "lmms_eval"
TASK_NAME = "simgen_vsibench"
_UTILS = "!function lmms_eval.tasks.vsibench.utils."


@dataclass(frozen=True)
class VsiBenchConfig(PromptConfig):
    """Evaluation-set settings (``conf/export/vsibench.yaml``); answer forms are fixed by VSI-Bench."""

    filename: str = "vsibench.jsonl"

    def validate(self, where: str) -> None:
        """Check the shared prompt settings and the file name."""
        super().validate(where)
        if self.cot != "none":
            raise ConfigError(f"{where}.cot: an evaluation file carries no rationale; expected 'none', got {self.cot!r}")
        if self.answer_mode != "multiple_choice" or not self.instruction:
            raise ConfigError(f"{where}: VSI-Bench fixes the answer forms and prompts; answer_mode and instruction "
                              "cannot be set for this format")
        if not self.filename.endswith(".jsonl") or "/" in self.filename:
            raise ConfigError(f"{where}.filename: expected a plain file name ending in .jsonl, got {self.filename!r}")


def vsi_prompt(question: str, options: list[str] | None) -> str:
    """The text lmms-eval's ``vsibench_doc_to_text`` builds for a row with the default task settings."""
    if options is None:
        return "\n".join([PRE_PROMPT, question, NUMBER_POST_PROMPT])
    return "\n".join([PRE_PROMPT, question, "Options:\n" + "\n".join(options), MC_POST_PROMPT])


def vsi_row(s: Sample, dataset: str) -> dict | None:
    """The evaluation row for a sample, or None when lmms-eval's task cannot take it."""
    it = s.item
    if s.media_kind != "video" or it.family not in MC_TYPES + NUMBER_TYPES:
        return None
    if it.family in NUMBER_TYPES:
        if it.answer_type != "number":
            return None
        options, truth = None, number_text(it.answer)
    else:
        if not it.choices or it.answer_letter is None:
            return None
        options, truth = option_lines(it), it.answer_letter
    return {
        "id": it.id, "dataset": dataset, "scene_name": it.episode_id, "question_type": it.family,
        "question": it.question, "options": options, "ground_truth": truth, "prompt": vsi_prompt(it.question, options),
        "answer_type": it.answer_type, "unit": it.unit, "modality": it.modality,
        "video": video_name(dataset, it.episode_id), "frames": list(it.frames), "complexity": s.complexity,
    }


def video_name(dataset: str, scene_name: str) -> str:
    """Where ``doc_to_visual`` looks for a scene's video, relative to ``$HF_HOME`` (= the export dir)."""
    return f"{VIDEO_CACHE}/{dataset}/{scene_name}.mp4"


def task_yaml(filename: str) -> str:
    """lmms-eval task config: this export's rows as a local JSON dataset, scored by lmms-eval's own
    VSI-Bench functions (resolved by module path, so nothing of lmms-eval is copied here)."""
    metrics = ["vsibench_overall", "obj_appearance_order_accuracy", "object_abs_distance_mra", "object_counting_mra",
               "object_rel_distance_accuracy", "object_size_estimation_mra", "room_size_estimation_mra",
               "route_planning_accuracy", "object_rel_direction_accuracy"]
    metric_lines = "".join(
        f"  - metric: {m}\n    aggregation: {_UTILS}vsibench_aggregate_{m.removeprefix('vsibench_')}\n"
        f"    higher_is_better: true\n" for m in metrics)
    return f"""# lmms-eval task for simgen's VSI-Bench export (written by simgen-export --format vsibench).
# Run from anywhere:  HF_HOME=<export dir> lmms-eval --model ... --tasks {TASK_NAME} --include_path <export dir>/{TASK_DIR}
# (doc_to_visual reads $HF_HOME/{VIDEO_CACHE}/<dataset>/<scene_name>.mp4, which the export holds)
task: {TASK_NAME}
dataset_path: json
dataset_kwargs:
  data_files:
    test: ../{filename}
test_split: test
output_type: generate_until
doc_to_visual: {_UTILS}vsibench_doc_to_visual
doc_to_text: {_UTILS}vsibench_doc_to_text
doc_to_messages: {_UTILS}vsibench_doc_to_messages
doc_to_target: ground_truth
generation_kwargs:
  max_new_tokens: 16
  temperature: 0
  top_p: 1.0
  num_beams: 1
  do_sample: false
process_results: {_UTILS}vsibench_process_results
metric_list:
{metric_lines}lmms_eval_specific_kwargs:
  default:
    pre_prompt: ""
    mca_post_prompt: "{MC_POST_PROMPT}"
    na_post_prompt: "{NUMBER_POST_PROMPT}"
metadata:
  - version: 0.0
"""


@EXPORTERS.register("vsibench", config=VsiBenchConfig)
class VsiBenchExporter(JsonLinesExporter):
    """Writes ``vsibench.jsonl``, ``vsibench/<dataset>/<scene>.mp4`` links and the lmms-eval task YAML."""

    format_name = "vsibench"

    def export(self, ds, out_dir: Path) -> dict:
        """Write the rows and the lmms-eval task YAML."""
        self.linked: set[str] = set()  # videos already in place (one stat per episode, not per row)
        self.types: set[str] = set()
        summary = super().export(ds, out_dir)
        write_text(Path(out_dir) / TASK_DIR / f"{TASK_NAME}.yaml", task_yaml(self.cfg.filename))
        summary = {**summary, "files": summary["files"] + [f"{TASK_DIR}/{TASK_NAME}.yaml"]}
        missing = [level for level in DIRECTION_LEVELS if level not in self.types]
        if missing:
            warning = (f"no {', '.join(missing)} rows: lmms-eval's VSI-Bench aggregation needs all three "
                       "object_rel_direction levels and stops with a KeyError without them")
            log.warning("vsibench: %s", warning)
            summary["warnings"] = [warning]
        return summary

    def record(self, sample: Sample) -> dict | None:
        """The row for one sample (its video linked where lmms-eval looks), or None to leave it out."""
        row = vsi_row(sample, self.cfg.data_source)
        if row is not None:
            self.types.add(row["question_type"])
        if row is not None and row["video"] not in self.linked:
            target = self.out_dir / row["video"]
            if not target.exists():
                link_or_copy(self.out_dir / sample.media[0], target)
            self.linked.add(row["video"])
        return row
