"""Claims of ``ember.lab.claims.detection`` in fast mode."""
import pytest


@pytest.mark.parametrize("cid", ["roi-align-vs-pool", "prroi-gradients", "focal-loss-easy-examples",
                                 "smooth-l1-outliers", "anchor-coverage", "selective-search-recall"])
def test_claim_holds_in_fast_mode(run_fast, cid):
    r = run_fast(cid)
    assert r.verdict == "holds", (r.notes, r.numbers)
