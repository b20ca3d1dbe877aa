"""The report page's style sheet and script (``simgen.export.report`` writes them inline).

The script filters the question rows (family, modality, answer type, correctness, free text), hides
episodes left without a shown row, loads each video only when its episode scrolls near the view
(``preload="none"`` plus an IntersectionObserver, so a page of thousands of questions opens at
once), and seeks an episode's video to a question's frame when its frame button is pressed.
"""

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 1.5em 2em; color: #1d1d1f; }
h1 { margin: 0.6em 0 0.2em; }
#filters { position: sticky; top: 0; z-index: 2; background: #fafafa; border-bottom: 1px solid #ccc;
           padding: 0.5em 0; display: flex; flex-wrap: wrap; gap: 0.6em 1.2em; align-items: center; }
#filters input[type=search] { width: 18em; }
table { border-collapse: collapse; margin: 0.3em 0 1em; }
th, td { border: 1px solid #d4d4d4; padding: 3px 6px; vertical-align: top; text-align: left; }
th { background: #f1f1f1; }
section.episode { border-top: 2px solid #999; margin-top: 1.2em; padding-top: 0.3em;
                  content-visibility: auto; contain-intrinsic-size: auto 900px; }  /* off-screen: no layout */
.pair { display: flex; gap: 1.2em; align-items: flex-start; }
.media { position: sticky; top: 4em; flex: 0 0 auto; }
video { width: min(480px, 42vw); aspect-ratio: var(--aspect, 4 / 3); background: #222; display: block; }
.qa-table { flex: 1 1 auto; }
img.plot { max-width: 640px; margin: 4px; border: 1px solid #ddd; }
img.frame { height: 96px; margin: 2px 4px 0 0; border: 1px solid #ccc; }
button.seek { font-size: 12px; margin: 2px 3px 0 0; cursor: pointer; }
pre { margin: 0; font-size: 12px; white-space: pre-wrap; max-width: 40em; }
.right { color: #06700a; } .wrong { color: #b00020; }
.hidden { display: none; }
.knobs { color: #555; margin: 0.2em 0 0.4em; }
.charts { display: flex; flex-wrap: wrap; gap: 1em 2.5em; }
.chart { min-width: 18em; }
.chart h3 { font-size: 14px; margin: 0.4em 0 0.2em; }
.bar { display: grid; grid-template-columns: 10em 12em 3em; align-items: center; gap: 0.4em; font-size: 13px; }
.bar .label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; text-align: right; }
.bar .track { background: #eee; height: 0.9em; position: relative; }
.bar .fill { background: #4a78b5; height: 100%; }
.bar .n { color: #444; font-variant-numeric: tabular-nums; }
td.meter { width: 14em; }
.meter .track { background: #eee; height: 0.7em; margin: 2px 0; position: relative; }
.meter .blind { background: #c0392b; height: 100%; }
.meter .chance { position: absolute; top: -2px; bottom: -2px; width: 2px; background: #111; }
tr.leak td { background: #fff1ef; }
"""

SCRIPT = """
const rows = Array.from(document.querySelectorAll("tr.qa"));
const sections = Array.from(document.querySelectorAll("section.episode"));
const pick = id => document.getElementById(id);
const filters = [["f-family", "family"], ["f-modality", "modality"], ["f-answer", "answerType"],
                 ["f-correct", "correct"]].map(([id, key]) => [pick(id), key]).filter(([el]) => el);
const search = pick("f-search");
let texts = null;  // row text for the search, lower-cased once on first use
function applyFilters() {
  const query = search.value.trim().toLowerCase();
  if (query && texts === null) texts = rows.map(r => r.textContent.toLowerCase());
  let shown = 0;
  rows.forEach((row, i) => {
    const on = filters.every(([el, key]) => !el.value || row.dataset[key] === el.value)
               && (!query || texts[i].includes(query));
    row.classList.toggle("hidden", !on);
    if (on) shown += 1;
  });
  for (const sec of sections) sec.classList.toggle("hidden", !sec.querySelector("tr.qa:not(.hidden)"));
  pick("shown").textContent = String(shown);
}
for (const [el] of filters) el.addEventListener("change", applyFilters);
search.addEventListener("input", applyFilters);

function load(video) {
  if (!video.getAttribute("src")) { video.preload = "auto"; video.src = video.dataset.src; }
}
const observer = new IntersectionObserver(entries => {
  for (const e of entries) if (e.isIntersecting) { load(e.target); observer.unobserve(e.target); }
}, {rootMargin: "300px 0px"});
document.querySelectorAll("video[data-src]").forEach(v => observer.observe(v));

document.addEventListener("click", event => {
  const button = event.target.closest("button.seek");
  if (!button) return;
  const section = button.closest("section.episode");
  const video = section.querySelector("video");
  const time = (Number(button.dataset.frame) + 0.5) / Number(section.dataset.fps);  // the frame's middle
  const seek = () => { video.pause(); video.currentTime = time; };
  load(video);
  if (video.readyState >= 1) seek(); else video.addEventListener("loadedmetadata", seek, {once: true});
  video.scrollIntoView({block: "nearest"});
});
applyFilters();
"""
