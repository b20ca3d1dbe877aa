"""Exporters on the merged fixture shards: golden files per format, loaders that users run, options."""
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from export_fixtures import GOLDEN, merged
from simgen.export.cli import export, main as export_main
from simgen.export.dataset import Dataset
from simgen.export.prompt import ground_truth, number_text, rationale
from simgen.registry import ConfigError

UPDATE = os.environ.get("SIMGEN_UPDATE_GOLDEN") == "1"  # regenerate tests/fixtures/export_golden/


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    return merged(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="module")
def exported(dataset) -> Path:
    export(dataset, ["llava_video", "messages", "parquet", "vsibench"])
    return dataset


def parquet_rows(path: Path) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def check_golden(name: str, text: str) -> None:
    golden = GOLDEN / name
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert golden.is_file(), f"missing golden file {golden}; run with SIMGEN_UPDATE_GOLDEN=1"
    assert text == golden.read_text(), f"{name} differs from its golden file (SIMGEN_UPDATE_GOLDEN=1 to accept)"


@pytest.mark.parametrize("name", ["llava_video.json", "messages.jsonl", "vsibench.jsonl"])
def test_text_formats_match_golden(exported, name):
    check_golden(name, (exported / name).read_text())


def test_parquet_matches_golden(exported):
    import hashlib

    rows = parquet_rows(exported / "data" / "train.parquet")
    for row in rows:  # embedded JPEG bytes: compared by digest
        row["images"] = [{"path": im["path"], "sha256": hashlib.sha256(im["bytes"]).hexdigest()} for im in row["images"]]
    check_golden("parquet_rows.json", json.dumps(rows, indent=1, sort_keys=True) + "\n")


def test_card_matches_golden(dataset):
    check_golden("README.md", (dataset / "README.md").read_text())


def test_llava_tokens_match_media(exported):
    entries = json.loads((exported / "llava_video.json").read_text())
    assert len(entries) == sum(1 for _ in Dataset(exported).items())
    for e in entries:
        human, gpt = e["conversations"]
        assert (human["from"], gpt["from"]) == ("human", "gpt")
        assert "<video>" not in human["value"]  # LLaVA-NeXT has no such token (tests/test_export_consumers.py)
        if "video" in e:
            assert human["value"].startswith("<image>\n") and human["value"].count("<image>") == 1
            assert (exported / e["video"]).is_file()
        else:
            assert human["value"].startswith("<image>\n") and human["value"].count("<image>") == len(e["image"]) >= 1
            assert all((exported / p).is_file() for p in e["image"])


def test_datasets_loads_parquet_with_resolvable_paths(exported):
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset("parquet", data_files=str(exported / "data" / "train.parquet"), split="train")
    assert ds.num_rows == 28
    kinds = {row["answer_type"] for row in ds}
    assert kinds == {"number", "choice", "yes_no", "object", "ordering"}
    for row in ds:
        assert bool(row["video"]) != bool(row["images"])
        if row["video"]:
            assert (exported / row["video"]).is_file()
        assert json.loads(row["certificate"])["margins"]
        if row["options"]:
            assert row["answer"] == row["ground_truth"] in "ABC"
        if row["answer_type"] == "number":
            assert float(row["ground_truth"]) == row["answer_number"]


def test_datasets_loads_messages_jsonl(exported):
    datasets = pytest.importorskip("datasets")
    ds = datasets.load_dataset("json", data_files=str(exported / "messages.jsonl"), split="train")
    row = ds[0]
    user, assistant = row["messages"]
    assert user["role"] == "user" and user["content"][-1]["type"] == "text"
    assert assistant["content"][0]["text"]
    media = [p for p in user["content"] if p["type"] in ("image", "video")]
    assert [p[p["type"]] for p in media] == row["images"] + row["videos"]


def _tree(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*")}


def test_export_elsewhere_is_self_contained_and_leaves_the_source_alone(dataset, tmp_path):
    before = _tree(dataset)
    out = tmp_path / "somewhere" / "else"
    export(dataset, ["llava_video", "messages", "parquet", "vsibench"], out)
    assert _tree(dataset) == before  # nothing written into the source
    moved = tmp_path / "moved"
    out.rename(moved)  # paths resolve from the export's root wherever it goes
    entries = json.loads((moved / "llava_video.json").read_text())
    paths = [p for e in entries for p in ([e["video"]] if "video" in e else e["image"])]
    rows = [json.loads(x) for x in (moved / "vsibench.jsonl").read_text().splitlines()]
    paths += [r["video"] for r in rows]
    assert paths and all(not p.startswith(("/", "..")) and (moved / p).is_file() for p in paths)
    video = next(p for p in paths if p.endswith("video.mp4"))
    assert (moved / video).stat().st_ino == (dataset / video).stat().st_ino  # hard-linked, not copied


def test_files_get_the_umask_permissions(exported):
    from simgen.io import file_mode

    assert file_mode() == 0o666 & ~_umask()
    for name in ("llava_video.json", "messages.jsonl", "vsibench.jsonl", "data/train.parquet", "qa.jsonl"):
        assert (exported / name).stat().st_mode & 0o777 == file_mode(), name
    frame = next((exported / "frames").rglob("*.jpg"))
    assert frame.stat().st_mode & 0o777 == file_mode()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_frames_are_cut_from_the_video(exported):
    import cv2

    ds = Dataset(exported)
    item = next(it for it in ds.items() if it.modality == "multi_image")
    first, second = (cv2.imread(str(ds.frame_path(item.episode_id, f)))[:, :, ::-1] for f in item.frames)
    assert first.shape == (24, 32, 3)
    # the fixture video's second frame is 60 units greener and 50 less blue than its first
    assert second[..., 1].mean() - first[..., 1].mean() == pytest.approx(60, abs=6)
    assert first[..., 2].mean() - second[..., 2].mean() == pytest.approx(50, abs=6)


def test_parquet_export_leaves_the_garbage_collector_as_it_was(dataset, tmp_path):
    import gc

    before = gc.get_freeze_count()
    export(dataset, ["parquet"], tmp_path)
    assert gc.get_freeze_count() == before and gc.isenabled()
    gc.disable()  # a caller that paused it keeps it paused
    try:
        export(dataset, ["parquet"], tmp_path / "again")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_frames_are_found_whatever_the_json_spacing(dataset, tmp_path):
    """The frames pass decodes only lines holding 'image"' (the modality value): records written with
    spaces after the separators are still found, and a second pass has nothing left to cut."""
    copy = tmp_path / "dataset"
    shutil.copytree(dataset, copy, ignore=shutil.ignore_patterns("frames"))
    lines = (copy / "qa.jsonl").read_text().splitlines()
    (copy / "qa.jsonl").write_text("".join(json.dumps(json.loads(x), separators=(", ", ": ")) + "\n" for x in lines))
    ds = Dataset(copy)
    shown = {(it.episode_id, f) for it in ds.items() if it.modality in ("image", "multi_image") for f in it.frames}
    assert shown and ds.ensure_frames() == len(shown)
    assert all(ds.frame_path(e, f).is_file() for e, f in shown)
    assert ds.ensure_frames() == 0


def test_open_ended_mode_hides_options(dataset, tmp_path):
    export(dataset, ["messages"], tmp_path, ["messages.answer_mode=open_ended"])
    rows = [json.loads(x) for x in (tmp_path / "messages.jsonl").read_text().splitlines()]
    items = {it.id: it for it in Dataset(dataset).items()}
    for row in rows:
        item = items[row["id"]]
        text = row["messages"][0]["content"][-1]["text"]
        target = row["messages"][1]["content"][0]["text"]
        assert "Options:" not in text
        assert target == (number_text(item.answer) if item.answer_type == "number" else item.answer_text)


def test_rationale_as_field_and_before_the_answer(dataset, tmp_path):
    export(dataset, ["llava_video"], tmp_path / "field", ["llava_video.cot=field"])
    export(dataset, ["llava_video"], tmp_path / "answer", ["llava_video.cot=answer"])
    field = json.loads((tmp_path / "field" / "llava_video.json").read_text())
    inline = json.loads((tmp_path / "answer" / "llava_video.json").read_text())
    for f, a in zip(field, inline):
        assert f["rationale"].startswith("Program: ") and "- unique: what = sofa (margin 1 count)" in f["rationale"]
        target = a["conversations"][1]["value"]
        assert target == f"{f['rationale']}\nAnswer: {f['conversations'][1]['value']}" and "rationale" not in a


def test_rationale_lists_bindings_trace_and_answer(dataset):
    item = next(it for it in Dataset(dataset).items() if it.family == "object_rel_distance")
    text = rationale(item)
    assert text.splitlines()[1].startswith("Bindings: q = Which of these")
    assert "- gap: descending = False, key = distance_to (margin 0.42 m)" in text
    assert text.endswith(f"So the answer is {item.answer_text}.")
    assert ground_truth(item, "multiple_choice") == item.answer_letter
    assert ground_truth(item, "open_ended") == item.answer_text


def test_number_text():
    assert [number_text(x) for x in (2, 2.0, 1.45, 0.1 + 0.2, -3.5)] == ["2", "2", "1.45", "0.3", "-3.5"]
    with pytest.raises(ValueError):
        number_text(float("nan"))


@pytest.mark.parametrize("override, message", [
    ("llava_video.answer_mode=maybe", "llava_video.answer_mode: expected one of open_ended, multiple_choice, got 'maybe'"),
    ("llava_video.cot=yes", "llava_video.cot: expected one of none, field, answer, got 'yes'"),
    ("llava_video.filename=x.txt", "llava_video.filename: expected a plain file name ending in .json"),
    ("llava_video.instruction=maybe", "llava_video.instruction: expected true or false, got 'maybe'")])
def test_bad_settings_name_the_key(dataset, tmp_path, override, message):
    with pytest.raises(ConfigError) as e:
        export(dataset, ["llava_video"], tmp_path, [override])
    assert str(e.value).startswith(message)
    assert not (tmp_path / "llava_video.json").exists()


def test_cli_errors_are_clear(dataset, tmp_path, capsys):
    for argv, message in (([str(dataset), "--format", "csv"], "formats: unknown export format(s) ['csv']"),
                          ([str(dataset), "--format", "messages", "messages.colour=red"], "messages.colour: unknown key"),
                          ([str(dataset), "parquet.row_group_size=1.5"], "parquet.row_group_size: expected an int, got 1.5"),
                          ([], "dataset: missing")):
        with pytest.raises(SystemExit) as e:
            export_main(argv)
        err = capsys.readouterr().err
        assert e.value.code == 2 and err.startswith(f"simgen-export: configuration error: {message}") and \
            len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit, match="no qa.jsonl"):
        export_main([str(tmp_path), "--format", "messages"])


def test_cli_composes_with_hydra(dataset, tmp_path, capsys):
    export_main([str(dataset), "--cfg", "job", "parquet.compression=snappy", "--out", str(tmp_path)])
    cfg = capsys.readouterr().out
    assert "compression: snappy" in cfg and f"out: {tmp_path}" in cfg and not (tmp_path / "data").exists()
    export_main(["--help"])
    assert "llava_video:\n  name: llava_video\n  answer_mode: multiple_choice" in capsys.readouterr().out
    export_main([str(dataset), "--format", "messages", "messages.answer_mode=open_ended", "--out", str(tmp_path)])
    assert (tmp_path / "messages.jsonl").is_file()


def test_card_points_at_parquet_after_export(dataset, tmp_path):
    out = tmp_path / "exp"
    export(dataset, ["parquet", "card"], out)
    card = (out / "README.md").read_text()
    assert "configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/train.parquet" in card
    assert all((out / line.split("(")[1].rstrip(")")).is_file() for line in card.splitlines() if line.startswith("!["))
    datasets = pytest.importorskip("datasets")
    assert datasets.load_dataset(str(out), split="train").num_rows == 28  # the front matter finds the Parquet


def test_knobs_drop_provenance_and_bin_many_valued_measurements():
    from simgen.export.knobs import flat_knobs, group_values

    assert flat_knobs({"num_objects": 4, "source": {"seed": 1}, "light": {"level": 2}, "cats": ["a", "b"]}) == \
        {"cats": "a, b", "light.level": 2, "num_objects": 4}
    few, order = group_values([16, 4, 8, 4])
    assert order == [4, 8, 16] and few == {4: 4, 8: 8, 16: 16}
    many, bins = group_values([float(x) for x in range(0, 81)])  # 81 distinct areas → 8 bins of width 10
    assert bins[0] == "[0, 10)" and bins[-1] == "[70, 80]" and len(bins) == 8
    assert many[9.0] == "[0, 10)" and many[10.0] == "[10, 20)" and many[80.0] == "[70, 80]"
    words, order = group_values([f"w{i}" for i in range(20)])  # text is never binned
    assert len(order) == 20


def test_presets_and_registry_agree():
    from simgen.job_config import conf_dir
    from simgen.export import EXPORTERS

    from simgen.export.cli import SCRIPT, format_nodes

    presets = sorted(Path(conf_dir(), "export").glob("*.yaml"))
    assert [p.stem for p in presets] == EXPORTERS.names()
    cfg = SCRIPT.compose([], extra=format_nodes())
    for path in presets:
        assert EXPORTERS.config(cfg[path.stem]).__class__ is EXPORTERS.get(path.stem)[1]  # the shipped presets validate


def test_missing_optional_packages_name_their_extra(dataset, tmp_path, monkeypatch):
    from simgen.registry import require
    from simgen.export.card import write_card

    with pytest.raises(ConfigError, match=r'pip install -e "\.\[export\]"'):
        require("no_such_module_for_simgen")
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    card = write_card(Dataset(dataset), tmp_path).read_text()
    assert "## Blind baseline" in card and "## Plots" not in card  # the card is still written


def test_export_imports_only_what_it_uses(dataset, tmp_path):
    """simgen-export composes its config from the schemas its own modules store, and the Parquet writer
    needs pyarrow alone: the simulators, the LLM tools, the other scripts and datasets are not imported
    (half a second of start-up each on every export; pandas is, by pyarrow's conversions)."""
    import subprocess

    code = ("import sys; from simgen.export.cli import SCRIPT, format_nodes, run_export; "
            "cfg = SCRIPT.compose([sys.argv[1], '--out', sys.argv[2], 'formats=[parquet]', "
            "'parquet.compression=snappy'], extra=format_nodes()); run_export(cfg); "
            "print(cfg.parquet.compression, *sorted(m for m in sys.modules if m.startswith(('simgen.', 'datasets'))))")
    out = subprocess.run([sys.executable, "-c", code, str(dataset), str(tmp_path)], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == "snappy" and "simgen.export.parquet" in out and (tmp_path / "data" / "train.parquet").is_file()
    others = ("simgen.llm", "simgen.episodes", "simgen.simulators", "simgen.scene", "simgen.eval", "simgen.export.merge",
              "datasets")
    assert [m for m in out[1:] if m.startswith(others)] == []


def test_parquet_schema_is_the_one_datasets_builds(exported):
    """The writer's schema (pyarrow alone) is the Arrow schema datasets builds from the same features,
    metadata included, and the file's features read back as the export's."""
    datasets = pytest.importorskip("datasets")
    import pyarrow.parquet as pq

    from simgen.export.parquet import FEATURES, arrow_schema, features

    assert arrow_schema().equals(datasets.Features.from_dict(FEATURES).arrow_schema, check_metadata=True)
    stored = pq.read_schema(exported / "data" / "train.parquet")
    assert datasets.Features.from_arrow_schema(stored) == features()
    assert isinstance(features()["images"].feature, datasets.Image)
