"""Claims of ``ember.lab.claims.detection`` in fast mode."""
import pytest


@pytest.mark.parametrize("cid", ["roi-align-vs-pool", "prroi-gradients", "focal-loss-easy-examples",
                                 "smooth-l1-outliers", "anchor-coverage", "selective-search-recall",
                                 "bbox-regression", "hard-negative-mining"])
def test_claim_holds_in_fast_mode(run_fast, cid):
    r = run_fast(cid)
    assert r.verdict == "holds", (r.notes, r.numbers)


def test_ohem_trains_both_classifiers(run_fast):
    # the verdict (OHEM above random selection) is the experiment's; both must have learned
    r = run_fast("ohem")
    assert min(r.numbers["ap"].values()) > 3 * r.numbers["positive_rate"], r.numbers


def test_ssd_small_objects_reports_ap_by_size(run_fast):
    r = run_fast("ssd-small-objects")
    assert r.verdict == "inconclusive"                    # fast mode is too short to decide
    for run in ("plain", "zoom_out"):
        assert set(r.numbers["ap_50_by_size"][run]) == {"small", "medium", "large"}
        assert all(0.0 <= v <= 1.0 for v in r.numbers["ap_50_by_size"][run].values())
