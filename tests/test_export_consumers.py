"""Each export read by the consuming tool's own code, installed from PyPI (``.ci/run`` installs them):

- LLaVA-NeXT's ``tokenizer_image_token`` (from ``llava-torch`` 1.2.2.post1, haotian-liu/LLaVA; the
  function is the same in LLaVA-VL/LLaVA-NeXT's ``llava/mm_utils.py``, commit 1d523b7): importing
  ``llava`` needs torch 2.0 and transformers 4.36, so the function's own source is compiled from the
  installed file and run with a small word tokenizer;
- lmms-eval 0.7.3's VSI-Bench task (``lmms_eval/tasks/vsibench/utils.py``) through the exported
  task YAML, loaded by lmms-eval's own YAML loader, and its ``lmms-eval`` command run on the export
  with lmms-eval's own ``dummy`` model;
- ``datasets.load_dataset`` on the Parquet export (features decoded, from a moved copy too);
- ``qwen_vl_utils.process_vision_info`` (qwen-vl-utils 0.0.14) and Qwen2-VL's processor with its chat
  template (transformers) on the ``messages.jsonl`` rows, images and video;
- LLaVA's processor (transformers) built without downloads, through ``apply_chat_template``.
"""
import ast
import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from export_fixtures import merged
from simgen.export.cli import export


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("consumers")
    dataset = merged(tmp)
    target = tmp / "export"
    export(dataset, ["llava_video", "messages", "parquet", "vsibench"], target)
    return target


def _function_from_installed(module: str, name: str, namespace: dict):
    """Compile one top-level function from an installed module's source file without importing the
    module (its imports need torch/transformers versions this venv does not hold)."""
    spec = importlib.util.find_spec(module.split(".")[0])
    if spec is None:
        pytest.skip(f"{module.split('.')[0]} is not installed (.ci/run installs it)")
    path = Path(spec.submodule_search_locations[0], *module.split(".")[1:]).with_suffix(".py")
    tree = ast.parse(path.read_text())
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    exec(compile(ast.Module(body=[node], type_ignores=[]), str(path), "exec"), namespace)
    return namespace[name]


class WordTokenizer:
    """A tokenizer with a BOS token and one id per whitespace-separated word (what the function needs)."""

    bos_token_id = 1

    def __init__(self):
        self.vocab: dict[str, int] = {}

    def __call__(self, text: str):
        ids = [self.bos_token_id] + [self.vocab.setdefault(w, len(self.vocab) + 2) for w in text.split()]
        return type("Encoding", (), {"input_ids": ids})()


def llava_image_token():
    constants = Path(importlib.util.find_spec("llava").submodule_search_locations[0]) / "constants.py"
    values = {t.id: ast.literal_eval(n.value) for n in ast.parse(constants.read_text()).body
              if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    return values["IMAGE_TOKEN_INDEX"]


def test_llava_next_tokenizer_finds_one_placeholder_per_medium(out):
    image_index = llava_image_token() if importlib.util.find_spec("llava") else None
    tokenize = _function_from_installed("llava.mm_utils", "tokenizer_image_token", {"IMAGE_TOKEN_INDEX": image_index})
    tok = WordTokenizer()
    entries = json.loads((out / "llava_video.json").read_text())
    assert any("video" in e for e in entries) and any("image" in e for e in entries)
    for e in entries:
        human = e["conversations"][0]["value"]
        ids = tokenize(human, tok)
        media = 1 if "video" in e else len(e["image"])
        assert ids.count(image_index) == media, e["id"]  # where LLaVA-NeXT splices the visual features
        assert human.startswith("<image>")  # LLaVA-NeXT's preprocess_qwen asserts it for every media turn
    # the old '<video>' placeholder leaves no slot at all: the video would be dropped silently
    assert tokenize("<video>\nWhat is left of the sofa?", tok).count(image_index) == 0


@pytest.fixture
def lmms_task(out, monkeypatch):
    """lmms-eval's task config loaded from the exported YAML, with $HF_HOME at the export dir."""
    pytest.importorskip("lmms_eval", reason="lmms-eval is installed by .ci/run (--no-deps)")
    monkeypatch.setenv("HF_HOME", str(out))
    utils = importlib.reload(importlib.import_module("lmms_eval.tasks.vsibench.utils"))  # reads HF_HOME on import
    from lmms_eval.utils import load_yaml_config

    cfg = load_yaml_config(str(out / "lmms_eval" / "simgen_vsibench.yaml"))
    assert cfg["doc_to_text"] is utils.vsibench_doc_to_text  # lmms-eval's own functions, not copies
    return cfg


def test_lmms_eval_vsibench_task_reads_and_scores_the_export(out, lmms_task):
    import datasets

    cfg = lmms_task
    docs = datasets.load_dataset(cfg["dataset_path"], **cfg["dataset_kwargs"])[cfg["test_split"]]
    rows = [json.loads(x) for x in (out / "vsibench.jsonl").read_text().splitlines()]
    assert docs.num_rows == len(rows) == 20  # the fixture's 8 image-only and non-VSI records are left out
    kwargs = cfg["lmms_eval_specific_kwargs"]["default"]
    types = set()
    for doc in docs:
        types.add(doc["question_type"])
        assert Path(cfg["doc_to_visual"](doc)[0]).resolve() == (out / doc["video"]).resolve()
        assert cfg["doc_to_text"](doc, kwargs) == doc["prompt"]
        right = cfg["process_results"](dict(doc), [doc["ground_truth"]])["vsibench_overall"]
        metric = "accuracy" if doc["options"] else "MRA:.5:.95:.05"
        assert right[metric] == 1.0, doc["id"]
        wrong = "Z" if doc["options"] else str(float(doc["ground_truth"]) * 3)
        assert cfg["process_results"](dict(doc), [wrong])["vsibench_overall"][metric] == 0.0
        if not doc["options"]:
            float(doc["ground_truth"])  # numeric types carry a number, never a letter
    assert {"object_abs_distance", "object_counting"} <= types and "depth_order" not in types


def test_lmms_eval_rejects_what_the_export_leaves_out(lmms_task):
    doc = {"question_type": "depth_order", "question": "Is the sofa closer?", "options": None}
    with pytest.raises(ValueError, match="Unknown question type"):
        lmms_task["doc_to_text"](doc, {})


def vsi_scores(rows: list[dict], answer: str) -> dict[str, float]:
    """VSI-Bench's scores of a model that always answers ``answer``, recomputed from the rows: a letter
    matches the multiple-choice rows whose truth it is and gives no number (MRA 0); the three direction
    levels count as one type; the overall score is the mean over types."""
    by_type = defaultdict(list)
    for r in rows:
        kind = "object_rel_direction" if r["question_type"].startswith("object_rel_direction") else r["question_type"]
        by_type[kind].append(float(r["ground_truth"] == answer) if r["options"] else 0.0)
    scores = {t: sum(v) / len(v) for t, v in by_type.items()}
    directions = [r for r in rows if r["question_type"].startswith("object_rel_direction")]
    scores["object_rel_direction"] = sum(
        sum(r["ground_truth"] == answer for r in level) / len(level)
        for level in ([r for r in directions if r["question_type"].endswith(x)] for x in ("easy", "medium", "hard"))) / 3
    return {**scores, "overall": sum(scores.values()) / len(scores)}


@pytest.mark.slow
def test_lmms_eval_command_runs_the_shipped_task(out, tmp_path):
    """``lmms-eval --tasks simgen_vsibench`` on the export, with lmms-eval's own ``dummy`` model (it answers
    "A" and reads the first bytes of every video it is given, failing on a missing one)."""
    command = Path(sys.executable).with_name("lmms-eval")
    if not command.is_file():
        pytest.skip("lmms-eval is installed by .ci/run (--no-deps)")
    export = tmp_path / "export"
    shutil.copytree(out, export)
    rows = [json.loads(x) for x in (export / "vsibench.jsonl").read_text().splitlines()]
    easy = [r for r in rows if r["question_type"] == "object_rel_direction_easy"]
    # lmms-eval's aggregation needs all three direction levels; the fixture only asks the easy one
    easy[0]["question_type"], easy[1]["question_type"] = "object_rel_direction_medium", "object_rel_direction_hard"
    (export / "vsibench.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    env = {**os.environ, "HF_HOME": str(export), "HF_DATASETS_CACHE": str(tmp_path / "cache"),
           "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    run = subprocess.run([str(command), "--model", "dummy", "--model_args", "response=A,read_bytes=64",
                          "--tasks", "simgen_vsibench", "--include_path", str(export / "lmms_eval"),
                          "--output_path", str(tmp_path / "results"), "--batch_size", "1"],
                         env=env, capture_output=True, text=True, timeout=600)
    results = sorted((tmp_path / "results").rglob("*_results.json"))
    assert run.returncode == 0 and results, run.stdout[-3000:] + run.stderr[-3000:]  # errors may still exit 0
    scores = json.loads(results[-1].read_text())["results"]["simgen_vsibench"]
    expected = vsi_scores(rows, "A")
    assert 0 < expected["overall"] < 1  # the check can tell a letter from a number
    assert scores["vsibench_overall,none"] == pytest.approx(expected["overall"], abs=1e-6)
    assert scores["object_rel_direction_accuracy,none"] == pytest.approx(expected["object_rel_direction"], abs=1e-6)
    assert scores["object_rel_distance_accuracy,none"] == pytest.approx(expected["object_rel_distance"], abs=1e-6)
    assert scores["object_counting_mra,none"] == 0.0
    assert "simgen_vsibench" in run.stdout  # lmms-eval's own results table


def test_vsibench_export_warns_without_all_direction_levels(tmp_path):
    summary = export(merged(tmp_path), ["vsibench"], tmp_path / "export")[0]
    assert "object_rel_direction_medium" in summary["warnings"][0]


def test_datasets_decodes_parquet_features_from_a_moved_copy(out, tmp_path):
    datasets = pytest.importorskip("datasets")
    moved = tmp_path / "moved"
    shutil.copytree(out, moved)
    ds = datasets.load_dataset("parquet", data_files=str(moved / "data" / "train.parquet"), split="train")
    assert isinstance(ds.features["images"].feature, datasets.Image)
    n_images = 0
    for row in ds:
        user, assistant = row["messages"]
        kinds = [p["type"] for p in user["content"]]
        assert kinds[-1] == "text" and user["content"][-1]["text"] == row["prompt"]
        assert assistant["content"][0]["text"] == row["answer"]
        assert kinds.count("image") == len(row["images"]) and kinds.count("video") == (1 if row["video"] else 0)
        for im in row["images"]:
            assert im.size == (32, 24)  # decoded PIL images: the bytes travel inside the file
            n_images += 1
        if row["video"]:
            assert (moved / row["video"]).is_file()  # resolves from the dataset root
    assert n_images > 0


def test_qwen_vl_utils_and_qwen2_vl_processor_read_the_messages(out):
    """qwen-vl-utils' ``process_vision_info`` and Qwen2-VL's processor on ``messages.jsonl``, in a child
    process with PyPI's torchvision 0.28 and decord on the path (``.ci/run`` puts them in
    ``.venv-torchvision``; see ``tests/qwen_vl_child.py`` for why they stay out of the venv)."""
    extra = Path(__file__).resolve().parents[1] / ".venv-torchvision"
    if importlib.util.find_spec("qwen_vl_utils") is None:  # importing it needs torchvision: the child does
        pytest.skip("qwen-vl-utils is installed by .ci/run (--no-deps)")
    if not (extra / "torchvision").is_dir():
        pytest.skip(".ci/run installs torchvision and decord into .venv-torchvision")
    child = subprocess.run([sys.executable, str(Path(__file__).with_name("qwen_vl_child.py")), str(out)],
                           env={**os.environ, "PYTHONPATH": str(extra)}, capture_output=True, text=True, timeout=600)
    assert child.returncode == 0, child.stderr[-3000:]
    got = json.loads(child.stdout.splitlines()[-1])
    assert got["qwen_backend"] == "decord" and not got["torchvision_ops"]
    # images: opened from the relative paths and resized by qwen to multiples of its 28-px patch pairs
    assert [len(sizes) for sizes in got["qwen_image_sizes"]] == got["image_counts"]
    assert all(w % 28 == 0 and h % 28 == 0 for sizes in got["qwen_image_sizes"] for w, h in sizes)
    # the video: decoded by qwen (frames, channels, height, width) from the path relative to the export root
    assert (out / got["video"]).is_file() and len(got["qwen_videos"]) == 1
    frames, channels, height, width = got["qwen_videos"][0]
    assert channels == 3 and frames % 2 == 0 and height % 28 == 0 and width % 28 == 0
    # Qwen2-VL's own template places one video slot, then the prompt; the assistant turn is the answer
    user = "<|vision_start|><|video_pad|><|vision_end|>" + got["prompt"] + "<|im_end|>"
    assert got["text"].count("<|video_pad|>") == 1 and user in got["text"]
    assert got["text"].endswith(f"<|im_start|>assistant\n{got['answer']}<|im_end|>\n")
    # the processor expands that slot to one token per 2×2 merge of 14-px patches over frame pairs
    assert got["video_grid_thw"] == [[frames // 2, height // 14, width // 14]]
    assert got["video_pad_tokens"] == frames // 2 * (height // 14) * (width // 14) // got["merge_size"] ** 2
    t_h_w = got["image_grid_thw"]
    assert len(t_h_w) == 2 and got["image_pad_tokens"] == sum(t * h * w for t, h, w in t_h_w) // got["merge_size"] ** 2


def local_llava_processor():
    """A transformers multimodal processor built without downloads: LLaVA's processor with a PIL CLIP
    image processor (28 px, 14 px patches), a word-level tokenizer holding ``<image>`` and a minimal chat
    template (a real model's template needs a download; Qwen2-VL's, with its verbatim template, runs in
    ``qwen_vl_child.py``)."""
    transformers = pytest.importorskip("transformers", reason="installed by .ci/run (the consumers extra)")
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = Tokenizer(models.WordLevel({"<image>": 0, "<unk>": 1}, unk_token="<unk>"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_object=words, unk_token="<unk>",
                                                     additional_special_tokens=["<image>"])
    template = ("{% for m in messages %}{{ m['role'] }}: {% for p in m['content'] %}"
                "{% if p['type'] == 'image' %}<image>\n{% else %}{{ p['text'] }}{% endif %}{% endfor %}\n{% endfor %}")
    images = transformers.CLIPImageProcessorPil(size={"shortest_edge": 28}, crop_size={"height": 28, "width": 28})
    return transformers.LlavaProcessor(image_processor=images, tokenizer=tokenizer, chat_template=template,
                                       patch_size=14, vision_feature_select_strategy="full", image_token="<image>")


def test_hf_apply_chat_template_loads_the_media_parts(out, monkeypatch):
    proc = local_llava_processor()
    monkeypatch.chdir(out)
    rows = [json.loads(x) for x in (out / "messages.jsonl").read_text().splitlines()]
    row = next(r for r in rows if len(r["images"]) == 2)
    first = [{"role": "user", "content": [row["messages"][0]["content"][0], {"type": "text", "text": "x"}]}]
    per_image = proc.apply_chat_template(first, tokenize=True, return_dict=True)["input_ids"][0].count(0)
    batch = proc.apply_chat_template(row["messages"][:1], tokenize=True, return_dict=True)  # loads the files
    assert len(batch["pixel_values"]) == 2 and per_image > 0
    assert batch["input_ids"][0].count(0) == 2 * per_image


def test_hf_processor_takes_the_parquet_messages_with_their_images(out):
    datasets = pytest.importorskip("datasets")
    proc = local_llava_processor()
    ds = datasets.load_dataset("parquet", data_files=str(out / "data" / "train.parquet"), split="train")
    row = next(r for r in ds if len(r["images"]) == 2)
    text = proc.apply_chat_template(row["messages"], tokenize=False)
    assert text.count("<image>") == 2 and row["prompt"] in text and row["answer"] in text
    batch = proc(text=text, images=row["images"])  # what TRL's collator does with the images column
    assert len(batch["pixel_values"]) == 2
