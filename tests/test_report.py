"""The static HTML report: its content, and a real headless Chromium that renders it (videos play,
images and tables show, the family filter works, no console errors), driven over the DevTools
protocol on a pipe (``--remote-debugging-pipe``: no port, no extra package)."""
import base64
import fcntl
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from export_fixtures import merged
from simgen.export.dataset import Dataset
from simgen.export.report import main as report_main, write_report

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    ds = merged(tmp_path_factory.mktemp("report"))
    return write_report(Dataset(ds), ds / "report.html")


def test_report_lists_every_episode_and_question(report):
    html = report.read_text()
    ds = Dataset(report.parent)
    items = list(ds.items())
    assert html.count("<video ") == len(ds.episodes) == 4
    assert html.count('<tr class="qa"') == len(items) == 28
    assert all(f'data-src="episodes/{e}/video.mp4"' in html for e in ds.episodes)
    assert html.count('preload="none"') == 4 and " src=\"episodes/" not in html  # videos load when scrolled to
    assert "B. lamp" in html and "<details><summary>certificate</summary>" in html
    assert '<option value="depth_order">depth_order</option>' in html and 'id="f-search"' in html
    assert '<option value="multi_image">multi_image</option>' in html and '<option value="ordering">' in html
    assert html.count('<img class="frame"') == sum(len(it.frames) for it in items if it.modality != "video")
    assert html.count('<button class="seek"') == sum(len(it.frames) for it in items)
    assert '<table id="audit">' in html and 'id="answers"' in html and '<select id="f-correct">' not in html
    assert "inspect/index.html" not in html


def test_answer_charts_count_answers_and_bin_numbers():
    from simgen.export.report import answer_charts

    page = answer_charts({"left_right": ["left", "right", "left"], "dist": [float(x) for x in range(81)]})
    assert '<span class="label" title="left">left</span>' in page and '<span class="n">2</span>' in page
    assert page.count('<div class="bar">') == 2 + 8  # two labels; 81 distinct distances in 8 bins
    assert '<span class="label" title="[0, 10)">' in page and "+" not in page.split("dist")[0]


def test_report_shows_predictions_and_eval_plots(report, tmp_path):
    ds = Dataset(report.parent)
    eval_dir = tmp_path / "eval"
    (eval_dir / "plots").mkdir(parents=True)
    (eval_dir / "plots" / "by_family.png").write_bytes((report.parent / "plots" / "families.png").read_bytes())
    item = next(ds.items())
    (eval_dir / "predictions.jsonl").write_text(json.dumps({"id": item.id, "prediction": "no", "score": 0.0}) + "\n")
    (report.parent / "inspect").mkdir(exist_ok=True)
    (report.parent / "inspect" / "index.html").write_text("<html></html>")
    try:
        out = write_report(ds, tmp_path / "r.html", eval_dir, max_episodes=1)
    finally:
        shutil.rmtree(report.parent / "inspect")
    html = out.read_text()
    assert '<td class="wrong">no [0.0]</td>' in html and 'src="eval/plots/by_family.png"' in html
    assert 'data-correct="wrong"' in html and '<select id="f-correct">' in html
    assert html.count("<video ") == 1 and "3 more episodes are not shown" in html
    video = Path(os.path.relpath(report.parent / "episodes", tmp_path)).as_posix()
    assert f'data-src="{video}/' in html  # media paths are relative to the report's own folder
    inspect = Path(os.path.relpath(report.parent / "inspect" / "index.html", tmp_path)).as_posix()
    assert f'href="{inspect}"' in html


def test_report_cli(report, capsys):
    report_main([str(report.parent), "--out", str(report.parent / "again.html")])
    assert capsys.readouterr().out.strip().endswith("again.html")
    assert (report.parent / "again.html").read_text() == report.read_text()


def test_report_cli_refuses_a_count_below_one(report, capsys):
    with pytest.raises(SystemExit) as stop:
        report_main([str(report.parent), "--max-episodes", "0"])
    assert stop.value.code == 2 and "max_episodes: expected an int ≥ 1, got 0" in capsys.readouterr().err


class DevTools:
    """Minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe`` (fds 3 and 4)."""

    def __init__(self, browser: str, profile: Path):
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_fds():  # chromium reads commands on fd 3 and writes replies on fd 4
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome_r, from_chrome_w)]  # avoid clobbering
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        args = [browser, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--mute-audio", f"--user-data-dir={profile}",
                "--autoplay-policy=no-user-gesture-required", "about:blank"]
        # close_fds=False: subprocess would otherwise close fds 3 and 4 after wire_fds ran (Python's own
        # descriptors are non-inheritable, so nothing else leaks into the browser)
        self.proc = subprocess.Popen(args, close_fds=False, preexec_fn=wire_fds,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer, self._id, self.events, self.session = b"", 0, [], None

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self._from_chrome, 65536)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, timeout: float = 20.0) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if self.session and not method.startswith("Target."):
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_event(self, method: str, timeout: float = 20.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events:
                if e.get("method") == method:
                    return e
            self.events.append(self._read_message(deadline))

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        return result["result"].get("value")

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


def _decoded(cdp, selector: str, deadline: float) -> list:
    """[readyState, videoWidth, error] of the videos matching ``selector`` once they decoded a frame."""
    state = []
    while time.monotonic() < deadline:
        state = cdp.evaluate(f"Array.from(document.querySelectorAll({json.dumps(selector)}))"
                             ".map(v => [v.readyState, v.videoWidth, v.error ? v.error.code : 0])")
        if state and all(v[0] >= 2 for v in state):
            break
        time.sleep(0.2)
    return state


@pytest.mark.skipif(CHROMIUM is None, reason="needs a headless Chromium (Debian: apt-get install chromium)")
def test_chromium_renders_videos_filters_and_seeks_without_errors(report, tmp_path):
    cdp = DevTools(CHROMIUM, tmp_path / "profile")
    try:
        page = next(t for t in cdp.send("Target.getTargets")["targetInfos"] if t["type"] == "page")
        cdp.session = cdp.send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            cdp.send(f"{domain}.enable")
        cdp.send("Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 1300, "deviceScaleFactor": 1,
                                                         "mobile": False})
        cdp.send("Page.navigate", {"url": report.resolve().as_uri()})
        cdp.wait_event("Page.loadEventFired")
        # lazy media: the last episode is far below the first screen and has loaded nothing yet
        assert cdp.evaluate("document.querySelector('section.episode:last-of-type video').getAttribute('src')") is None
        for i in range(4):  # scroll each episode into view: its video loads and decodes (H.264)
            cdp.evaluate(f"document.querySelectorAll('section.episode')[{i}].scrollIntoView()")
            assert _decoded(cdp, f"section.episode:nth-of-type({i + 1}) video", time.monotonic() + 20)[0][1] == 32
        videos = _decoded(cdp, "video", time.monotonic() + 20)
        assert len(videos) == 4 and all(v[0] >= 2 and v[1:] == [32, 0] for v in videos), videos
        width = cdp.evaluate("document.querySelector('video').getBoundingClientRect().width")
        assert width >= 400  # a watchable size, not the 32-pixel native one
        cdp.evaluate("window.scrollTo(0, 0)")
        images = cdp.evaluate("Promise.all(Array.from(document.images).map(i => i.decode().then(() => i.naturalWidth)))")
        assert cdp.evaluate("document.querySelectorAll('tr.qa').length") == 28
        assert cdp.evaluate("document.getElementById('shown').textContent") == "28"

        def choose(select_id, value):
            return cdp.evaluate(f"""(() => {{ const s = document.getElementById('{select_id}');
                s.value = '{value}'; s.dispatchEvent(new Event('change'));
                return [document.querySelectorAll('tr.qa:not(.hidden)').length,
                        document.getElementById('shown').textContent,
                        document.querySelectorAll('section.episode:not(.hidden)').length]; }})()""")

        assert choose("f-family", "object_counting") == [4, "4", 4]
        assert choose("f-family", "") == [28, "28", 4]
        assert choose("f-modality", "multi_image") == [4, "4", 4]
        assert choose("f-answer", "number") == [0, "0", 0]  # multi_image and number: nothing
        assert choose("f-modality", "") == [8, "8", 4]  # counting + distance questions
        choose("f-answer", "")
        found = cdp.evaluate("""(() => { const s = document.getElementById('f-search');
            s.value = 'FIRST APPEAR'; s.dispatchEvent(new Event('input'));
            return Array.from(document.querySelectorAll('tr.qa:not(.hidden)')).map(r => r.dataset.family); })()""")
        assert found == ["obj_appearance_order"] * 4
        # a question's frame button seeks its episode's video to the middle of that frame (4 fps)
        frame = cdp.evaluate("""(() => { const b = document.querySelector('tr.qa:not(.hidden) button.seek');
            b.click(); return Number(b.dataset.frame); })()""")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and cdp.evaluate(
                "document.querySelector('section.episode:not(.hidden) video').seeking"):
            time.sleep(0.1)
        seeked = cdp.evaluate("document.querySelector('section.episode:not(.hidden) video').currentTime")
        assert seeked == pytest.approx((frame + 0.5) / 4.0, abs=1e-6)
        cdp.evaluate("""(() => { const s = document.getElementById('f-search'); s.value = '';
            s.dispatchEvent(new Event('input')); window.scrollTo(0, 0); })()""")
        _decoded(cdp, "video[src]", time.monotonic() + 10)
        shot = cdp.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False})["data"]
        png = tmp_path / "report.png"
        png.write_bytes(base64.b64decode(shot))
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        if os.environ.get("SIMGEN_REPORT_SCREENSHOT"):  # keep the picture for a person to look at
            shutil.copy(png, os.environ["SIMGEN_REPORT_SCREENSHOT"])
        assert images and all(w > 0 for w in images)
        errors = [e for e in cdp.events
                  if e.get("method") == "Runtime.exceptionThrown"
                  or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
                  or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
        assert errors == []
    finally:
        cdp.close()
