"""``docs/concepts.tsv`` stays true: every concept id of the notes is listed once, and for
each one marked done its code resolves, its test files exist and its lab claim is
registered."""
import csv
import importlib
import re
from pathlib import Path

import pytest

from ember.lab import core as lab

ROOT = Path(__file__).resolve().parents[1]
ROWS = list(csv.DictReader((ROOT / "docs" / "concepts.tsv").open(), delimiter="\t"))
SHARED = ROOT.parent / "shared" / "concepts.tsv"


def _resolve(dotted):
    """Import the longest module prefix of ``dotted`` and walk the rest as attributes."""
    parts = re.sub(r"\(.*\)$", "", dotted).split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def test_every_concept_of_the_notes_is_listed_once():
    ids = [r["id"] for r in ROWS]
    assert len(ids) == len(set(ids))
    if SHARED.exists():
        shared = {r["id"] for r in csv.DictReader(SHARED.open(), delimiter="\t")}
        assert shared == set(ids), sorted(shared ^ set(ids))
    assert {r["status"] for r in ROWS} <= {"done", "todo", "partial"}


@pytest.mark.parametrize("row", [r for r in ROWS if r["status"] != "todo"], ids=lambda r: r["id"])
def test_done_concepts_point_at_real_code_tests_and_claims(row):
    for dotted in row["code"].split():
        assert _resolve(dotted) is not None, dotted
    for path in row["tests"].split():
        assert (ROOT / path).exists(), path
    lab.load_all()
    for claim_id in row["claim"].split():
        if claim_id != "-":
            assert lab.get(claim_id) is not None, claim_id
