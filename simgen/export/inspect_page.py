"""The ``index.html`` that ``simgen-inspect`` writes beside its contact sheets: every sheet with its
question, options and answer, and a family filter (the page's only script)."""
from __future__ import annotations

import html
from pathlib import Path

from simgen.io import atomic_open

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>simgen inspect</title><style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
section { border-top: 2px solid #888; margin-top: 1em; padding-top: 0.5em; }
img { max-width: 100%; border: 1px solid #ccc; } .hidden { display: none; } .fam { color: #555; }
</style></head><body>
"""
_FILTER_SCRIPT = """<script>
const sel = document.getElementById("family");
sel.addEventListener("change", () => { let n = 0;
  for (const s of document.querySelectorAll("section.qa")) {
    const on = !sel.value || s.dataset.family === sel.value; s.classList.toggle("hidden", !on); n += on; }
  document.getElementById("shown").textContent = n; });
</script>"""


def write_index(path: Path, entries: list[dict], passed: dict) -> None:
    """A page listing every sheet with its question text, filterable by family."""
    e = lambda x: html.escape(str(x), quote=True)  # noqa: E731
    families = sorted({x["family"] for x in entries})
    with atomic_open(path) as f:
        f.write(_PAGE)
        f.write(f"<h1>simgen inspect</h1><p>{len(entries)} sheets of {sum(passed.values())} questions that passed "
                f"the filters.</p><p><label>Family: <select id=\"family\"><option value=\"\">all</option>"
                + "".join(f'<option value="{e(x)}">{e(x)} ({sum(1 for y in entries if y["family"] == x)})</option>'
                          for x in families)
                + f'</select></label> <span id="shown">{len(entries)}</span> shown.</p>')
        for x in entries:
            options = "<br>".join(e(o) for o in x["options"])
            f.write(f'<section class="qa" data-family="{e(x["family"])}"><p><span class="fam">{e(x["family"])} · '
                    f'{e(x["episode_id"])} · seed {e(x["seed"])} · {e(x["qa_id"])}</span><br><b>{e(x["question"])}</b>'
                    f'{"<br>" + options if options else ""}<br>Answer: <b>{e(x["answer"])}</b></p>'
                    f'<a href="{e(x["file"])}"><img src="{e(x["file"])}" alt="sheet {e(x["qa_id"])}" loading="lazy"></a>'
                    "</section>")
        f.write(_FILTER_SCRIPT + "</body></html>\n")
