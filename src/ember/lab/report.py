"""The lab's HTML report: run the claims and write one self-contained static page.

    >>> from ember.lab.report import build_report
    >>> build_report("lab-report", fast=True)            # doctest: +SKIP
    'lab-report/index.html'

``out_dir/index.html`` has inline CSS and no scripts or external assets; figures are the
PNG files ``out_dir/<claim-id>/<name>.png`` written by the runner, linked by relative
paths (only files that exist are linked). All text from the claims is HTML-escaped.
"""
import html
import json
import math
import time
from pathlib import Path
from urllib.parse import quote

from .runner import _atomic_write, run_all

__all__ = ["build_report", "render_html"]

_COLOURS = {"holds": "#1a7f37", "fails": "#cf222e", "inconclusive": "#9a6700", "error": "#6e7781"}

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#1f2328;line-height:1.45}
h1{margin-bottom:.2em} .sub{color:#59636e;margin-top:0}
table{border-collapse:collapse;margin:.6em 0} th,td{border:1px solid #d1d9e0;padding:.25em .6em;text-align:left;
vertical-align:top} th{background:#f6f8fa}
td.num{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;word-break:break-word;max-width:700px}
.v{display:inline-block;padding:.05em .55em;border-radius:1em;color:#fff;font-weight:600;font-size:.9em}
section{border-top:2px solid #d1d9e0;margin-top:2em;padding-top:.5em}
dl{display:grid;grid-template-columns:9em 1fr;gap:.3em 1em} dt{font-weight:600;color:#59636e} dd{margin:0}
figure{display:inline-block;margin:.5em 1em .5em 0} figure img{max-width:100%;border:1px solid #d1d9e0}
figcaption{color:#59636e;font-size:.85em} pre{background:#f6f8fa;padding:.8em;overflow:auto;font-size:.85em}
.counts span{margin-right:1.2em}
"""


def _e(x):
    return html.escape("" if x is None else str(x), quote=True)


def _fmt(v, depth=0):
    """A number/list from result.json as short text."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        return f"{v:.4g}"
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_fmt(x, depth + 1)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        items = [_fmt(x, depth + 1) for x in v[:40]]
        more = f", ... ({len(v)} items)" if len(v) > 40 else ""
        return "[" + ", ".join(items) + more + "]"
    return str(v)


def _badge(verdict):
    colour = _COLOURS.get(verdict, "#6e7781")
    return f'<span class="v" style="background:{colour}">{_e(verdict)}</span>'


def _anchor(cid):
    return "claim-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in str(cid))


def render_html(entries, out_dir, seed=0, fast=False, title="ember lab report"):
    """The report page for ``entries`` (``[{"id", "verdict", ...}]`` as in result.json); figure
    links are relative to ``out_dir`` and only emitted for files that exist there."""
    out_dir = Path(out_dir)
    counts = {}
    for e in entries:
        counts[e.get("verdict")] = counts.get(e.get("verdict"), 0) + 1
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{_e(title)}</h1>",
             f'<p class="sub">{len(entries)} claims from the interview notes, each decided by a measured experiment. '
             f'Mode: {"fast" if fast else "full"}, seed {_e(seed)}, '
             f'generated {_e(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))}.</p>',
             '<p class="counts">' + "".join(f"<span>{_badge(v)} {n}</span>" for v, n in sorted(counts.items(), key=str))
             + "</p>",
             "<h2>Summary</h2><table><tr><th>claim</th><th>topic</th><th>verdict</th><th>seconds</th></tr>"]
    for e in entries:
        secs = e.get("seconds")
        parts.append(f'<tr><td><a href="#{_e(_anchor(e["id"]))}">{_e(e["id"])}</a></td><td>{_e(e.get("topic", ""))}</td>'
                     f'<td>{_badge(e.get("verdict"))}</td><td>{_e(_fmt(secs) if secs is not None else "")}</td></tr>')
    parts.append("</table>")
    for e in entries:
        cid = e["id"]
        parts.append(f'<section id="{_e(_anchor(cid))}"><h2>{_e(cid)} {_badge(e.get("verdict"))}</h2><dl>')
        for label, key in (("topic", "topic"), ("question", "question"), ("claim", "statement"), ("source", "source"),
                           ("method", "method"), ("criterion", "criterion")):
            if e.get(key):
                parts.append(f"<dt>{_e(label)}</dt><dd>{_e(e[key])}</dd>")
        if e.get("concepts"):
            parts.append(f"<dt>concepts</dt><dd>{_e(', '.join(e['concepts']))}</dd>")
        parts.append(f"<dt>verdict</dt><dd>{_badge(e.get('verdict'))}</dd>")
        if e.get("notes"):
            parts.append(f"<dt>notes</dt><dd>{_e(e['notes'])}</dd>")
        parts.append("</dl>")
        if e.get("error"):
            parts.append(f"<p><b>error:</b> {_e(e['error'])}</p><pre>{_e(e.get('traceback', ''))}</pre>")
        nums = e.get("numbers") or {}
        if nums:
            parts.append("<table><tr><th>measured</th><th>value</th></tr>")
            for k, v in nums.items():
                parts.append(f'<tr><td>{_e(k)}</td><td class="num">{_e(_fmt(v))}</td></tr>')
            parts.append("</table>")
        for fname in e.get("figures") or []:
            rel = Path(str(cid)) / str(fname)
            if (out_dir / rel).is_file():
                src = quote(rel.as_posix())
                parts.append(f'<figure><a href="{_e(src)}"><img src="{_e(src)}" alt="{_e(cid)}: {_e(fname)}"></a>'
                             f"<figcaption>{_e(fname)}</figcaption></figure>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def build_report(out_dir, seed=0, fast=False, ids=None, jobs=None, progress=True):
    """Run the claims (``ids``, default all; in parallel, see :func:`ember.lab.runner.run_all`)
    into ``out_dir`` and write ``out_dir/index.html``; return its path as a string."""
    from .core import load_all
    reg = load_all()
    ids = sorted(reg) if ids is None else list(ids)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    bar = None
    if progress:
        try:
            from tqdm.auto import tqdm
            bar = tqdm(total=len(ids), desc="lab claims", unit="claim")
        except ImportError:      # pragma: no cover
            bar = None

    def on_done(entry):
        if bar is not None:
            bar.set_postfix_str(f"{entry['id']}: {entry['verdict']}")
            bar.update(1)

    try:
        results = run_all(ids, seed=seed, fast=fast, out=out_dir, jobs=jobs, on_done=on_done)
    finally:
        if bar is not None:
            bar.close()
    entries = []
    for cid in ids:
        entry = dict(results[cid])
        path = out_dir / cid / "result.json"
        try:                      # the runner's result.json has the full metadata
            entry = {**json.loads(path.read_text(encoding="utf-8")), **{k: v for k, v in entry.items() if k == "traceback"}}
        except (OSError, ValueError):
            pass
        if cid in reg:
            c = reg[cid]
            for k, v in (("topic", c.topic), ("question", c.question), ("statement", c.statement),
                         ("source", c.source), ("method", c.method), ("concepts", list(c.concepts))):
                entry.setdefault(k, v)
        entries.append(entry)
    page = out_dir / "index.html"
    _atomic_write(page, render_html(entries, out_dir, seed=seed, fast=fast))
    return str(page)
