"""Claims of ``ember.lab.claims.tuning`` in fast mode: each gives the verdict its evidence
supports, with checks on the key numbers."""


def test_random_vs_grid(run_fast):
    r = run_fast("random-vs-grid")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["budget_9"]["grid_distinct_x"] == 3 and n["budget_9"]["random_better_fraction"] > 0.5


def test_bayes_opt(run_fast):
    r = run_fast("bayes-opt")
    b = r.numbers["branin"]
    assert r.verdict == "holds", r.notes
    assert max(b["bayes_trials"]) <= b["budget"] and min(b["bayes_best"]) < b["target"]


def test_pseudo_labels(run_fast):
    r = run_fast("pseudo-labels")
    n = r.numbers
    # with 100 labels and an MLP the confident pseudo-labels are mostly right, yet the measured gain is
    # small: the verdict follows its sign and its standard error
    assert all(row["pseudo_label_accuracy"] > 0.9 for row in n["rows"])
    assert r.verdict == ("inconclusive" if abs(n["mean_gain"]) <= 2 * n["se_gain"]
                         else ("holds" if n["mean_gain"] > 0 else "fails")), r.notes


def test_ensembles(run_fast):
    r = run_fast("ensembles")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["ensemble_accuracy"] > n["member_mean"]


def test_bagging_vs_boosting(run_fast):
    r = run_fast("bagging-vs-boosting")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["bagging"]["variance"] < 0.7 * n["deep tree"]["variance"]
    assert n["boosting"]["bias2"] < 0.5 * n["stump"]["bias2"]
