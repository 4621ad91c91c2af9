"""Claims of ``ember.lab.claims.metrics`` in fast mode: the verdict its evidence supports, with
checks on the key numbers."""


def test_roc_vs_pr(run_fast):
    r = run_fast("roc-vs-pr")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["roc_curve_equals_roc_curve_fast"]
    assert n["max_abs_delta_auc"] < 0.05 and n["max_abs_delta_auc_replicated"] == 0.0
    assert n["ap_neg_x10_mean"] < n["ap_balanced_mean"] - 0.2
