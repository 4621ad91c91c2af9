"""``ember tune CONFIG.json``: the search runs, writes its files, resumes, rejects bad configs."""
import json

import pytest

from ember.cli import main
from ember.tune.cli import parse_space


def test_ember_tune_writes_results_and_resumes(tmp_path, capsys):
    cfg = {"objective": "ember.tune.examples:branin", "search": "random", "n_trials": 6, "seed": 0,
           "backend": "serial", "space": {"x": {"uniform": [-5, 10]}, "y": {"grid_search": [2.0, 3.0]}}}
    path = tmp_path / "c.json"
    path.write_text(json.dumps(cfg))
    assert main(["tune", str(path), "--out", str(tmp_path / "o"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "6 trials; best value" in out
    for name in ("trials.jsonl", "results.csv", "results.json", "best_so_far.png", "importance.png"):
        assert (tmp_path / "o" / name).exists()
    best = json.loads((tmp_path / "o" / "results.json").read_text())["best_value"]
    # resume with a larger budget: the first 6 trials are read back, 3 more run
    assert main(["tune", str(path), "--out", str(tmp_path / "o"), "--resume", "--n-trials", "9", "--no-progress"]) == 0
    doc = json.loads((tmp_path / "o" / "results.json").read_text())
    assert len(doc["trials"]) == 9 and doc["best_value"] <= best
    assert len((tmp_path / "o" / "trials.jsonl").read_text().splitlines()) == 9


def test_bad_configs_are_clear_errors():
    with pytest.raises(ValueError, match=r"space\['x'\] = \{'normal': \[0, 1\]\}: expected one key among"):
        parse_space({"x": {"normal": [0, 1]}})
    with pytest.raises(ValueError, match="tune.loguniform: need 0 < low < high"):
        parse_space({"x": {"loguniform": [-1, 1]}})
    assert parse_space({"k": {"choice": [1, 2]}, "c": 3})["c"] == 3
