"""The lab's runner, report and CLI: files written, parallel runs, error entries, links, and
who chooses matplotlib's backend."""
import json
import os
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from ember.lab import core
from ember.lab.runner import last_verdicts, run_all, run_claim
from ember.lab.report import build_report, render_html

FAST_A, FAST_B = "softmax-ce-gradient", "init-scale"     # the two quickest claims
BOOM = "lab-test-boom"


@pytest.fixture(autouse=True)
def lab_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("EMBER_LAB_HOME", str(home))
    return home


@pytest.fixture
def boom_claim():
    """A registered claim that raises (only in this process: spawned workers do not know it)."""
    core.load_all()

    def lab_test_boom(seed, fast):
        raise RuntimeError("boom <script>alert(1)</script>")
    core.claim(id=BOOM, topic="test <b>", concepts=(), question="q?", statement="s & t", source="none",
               method="raises")(lab_test_boom)
    yield BOOM
    core.REGISTRY.pop(BOOM, None)


def test_run_claim_writes_result_json_and_pngs(tmp_path, lab_home):
    out = tmp_path / "out"
    r = run_claim(FAST_A, seed=0, fast=True, out=out)
    assert r.verdict == "holds" and r.seconds > 0
    folder = out / FAST_A
    data = json.loads((folder / "result.json").read_text())
    for key in ("id", "topic", "concepts", "question", "statement", "source", "method", "verdict", "criterion",
                "numbers", "notes", "seed", "fast", "seconds", "figures"):
        assert key in data, key
    assert data["id"] == FAST_A and data["verdict"] == "holds" and data["fast"] is True and data["seed"] == 0
    assert data["figures"] == r.files and data["figures"]
    for f in data["figures"]:
        assert (folder / f).is_file() and (folder / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert all(fig.number not in plt.get_fignums() for fig in r.figures.values())   # closed
    assert last_verdicts()[FAST_A]["verdict"] == "holds"
    assert (lab_home / "last.json").is_file()


def test_run_claim_unknown_id_lists_valid_ones():
    with pytest.raises(KeyError, match=FAST_A):
        run_claim("no-such-claim", fast=True)


def test_failing_claim_becomes_error_entry_in_process(boom_claim, tmp_path):
    res = run_all([boom_claim, FAST_A], fast=True, jobs=1, out=tmp_path / "out")
    assert list(res) == [boom_claim, FAST_A]
    e = res[boom_claim]
    assert e["verdict"] == "error" and "boom" in e["error"] and "RuntimeError" in e["traceback"]
    assert res[FAST_A]["verdict"] == "holds"
    saved = json.loads((tmp_path / "out" / boom_claim / "result.json").read_text())
    assert saved["verdict"] == "error" and saved["topic"] == "test <b>"
    assert last_verdicts()[boom_claim]["verdict"] == "error"


def test_run_all_parallel_two_jobs(boom_claim, tmp_path):
    # the boom claim is unknown inside the spawned workers, so it fails there: an error entry, not a crash
    out = tmp_path / "out"
    res = run_all([FAST_A, FAST_B, boom_claim], seed=0, fast=True, out=out, jobs=2)
    assert list(res) == [FAST_A, FAST_B, boom_claim]
    assert res[FAST_A]["verdict"] == "holds" and res[FAST_B]["verdict"] == "holds"
    assert res[boom_claim]["verdict"] == "error" and res[boom_claim]["traceback"]
    for cid in (FAST_A, FAST_B):
        data = json.loads((out / cid / "result.json").read_text())
        assert data["verdict"] == "holds"
        assert all((out / cid / f).is_file() for f in data["figures"])
    assert res[FAST_A]["numbers"]["example_probabilities"] == [0.0159, 0.8668, 0.1173]


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []
        self.tags = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            if k in ("src", "href"):
                self.links.append(v)


def _check_links(page):
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    for link in parser.links:
        assert "://" not in link and not link.startswith("//"), link      # nothing external
        if link.startswith("#"):
            continue
        assert (page.parent / link).is_file(), link
    return parser


def test_report_is_static_escaped_and_links_only_existing_files(boom_claim, tmp_path):
    out = tmp_path / "report"
    path = Path(build_report(out, seed=0, fast=True, ids=[FAST_A, boom_claim], jobs=1, progress=False))
    assert path == out / "index.html"
    parser = _check_links(path)
    assert "script" not in parser.tags and "link" not in parser.tags
    text = path.read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;" in text and "test &lt;b&gt;" in text
    assert any(link.endswith(".png") for link in parser.links)
    assert 'id="claim-softmax-ce-gradient"' in text and "error" in text and "holds" in text
    # a figure listed in an entry but missing on disk is not linked
    entry = json.loads((out / FAST_A / "result.json").read_text())
    entry["figures"] = entry["figures"] + ["missing.png"]
    page = tmp_path / "again" / "index.html"
    page.parent.mkdir()
    page.write_text(render_html([entry], page.parent))
    assert "missing.png" not in page.read_text() and "<img" not in page.read_text()   # nothing exists there
    _check_links(page)


def test_cli_lab_list_and_run(capsys, tmp_path):
    from ember.cli import main
    assert main(["lab", "run", FAST_A, "--fast", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert f"{FAST_A}: holds" in out and "criterion:" in out and "example_probabilities" in out
    assert (tmp_path / "o" / FAST_A / "result.json").is_file()
    assert main(["lab", "list"]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith(FAST_A))
    assert "holds" in line
    assert "vanishing-gradients" in out
    assert main(["lab", "run", "no-such-claim"]) == 2
    err = capsys.readouterr().err
    assert "unknown claim" in err and FAST_A in err and "vanishing-gradients" in err


def test_backend_is_chosen_by_the_runner_not_by_importing_claims(tmp_path):
    # a fresh process whose user picked the svg backend: importing every claim file and running
    # a claim in-process keep it; the command line (which only writes files) switches to Agg
    script = textwrap.dedent("""
        import sys
        import matplotlib
        matplotlib.use("svg")
        from ember.lab.core import load_all
        load_all()
        print("after import:", matplotlib.get_backend())
        from ember.lab.runner import run_claim
        r = run_claim("softmax-ce-gradient", fast=True, out=sys.argv[1], record=False)
        print("after run_claim:", matplotlib.get_backend(), r.files)
        from ember.cli import main
        assert main(["lab", "run", "softmax-ce-gradient", "--fast"]) == 0
        print("after cli:", matplotlib.get_backend())
    """)
    env = {**os.environ, "EMBER_LAB_HOME": str(tmp_path / "home")}
    env.pop("MPLBACKEND", None)
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "out")], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = {ln.split(":")[0]: ln.split(":", 1)[1].strip() for ln in out.stdout.splitlines() if ":" in ln}
    assert lines["after import"].lower() == "svg"
    assert lines["after run_claim"].lower().startswith("svg") and ".png" in lines["after run_claim"]
    assert lines["after cli"].lower() == "agg"
    assert (tmp_path / "out" / "softmax-ce-gradient" / "example.png").read_bytes()[:4] == b"\x89PNG"
