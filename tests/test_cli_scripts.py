"""Every console script composes its own primary config with Hydra: key=value, --cfg job, --help, clear errors."""
import importlib
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
COMPOSED = sorted(name for name in SCRIPTS if name != "simgen")  # simgen itself is @hydra.main (tests/test_cli.py)
# a key each script's config holds, and a value of the wrong type for it
KEYS = {"simgen-export": ("parquet.row_group_size", "many"), "simgen-merge": ("balance.folds", "2.5"),
        "simgen-eval": ("num_frames", "x"), "simgen-score": ("plots", "maybe"), "simgen-compile": ("llm.max_tokens", "1.5"),
        "simgen-inspect": ("sample", "all"), "simgen-report": ("max_episodes", "[]"), "simgen-llm-serve": ("port", "x")}


def entry(name: str):
    module, _, func = SCRIPTS[name].partition(":")
    return getattr(importlib.import_module(module), func)


def exit_code(main, argv) -> int:
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    return int(code or 0)


def test_every_console_script_is_covered():
    assert set(KEYS) == set(COMPOSED)


@pytest.mark.parametrize("name", COMPOSED)
def test_help_lists_the_keys_and_cfg_job_prints_the_composed_config(name, capsys):
    key, _ = KEYS[name]
    assert exit_code(entry(name), ["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: {name}") and "Settings (key=value overrides" in out
    assert key.rsplit(".", 1)[-1] + ":" in out
    assert exit_code(entry(name), ["--cfg", "job"]) == 0
    assert key.rsplit(".", 1)[-1] + ":" in capsys.readouterr().out


@pytest.mark.parametrize("name", COMPOSED)
def test_a_bad_value_or_key_is_one_line_naming_the_key_with_exit_2(name, capsys):
    key, bad = KEYS[name]
    for override, named in ((f"{key}={bad}", key), ("no_such_key=1", "no_such_key: unknown key; allowed: ")):
        assert exit_code(entry(name), [override]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"{name}: configuration error: {named}"), err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
