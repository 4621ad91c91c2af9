"""Claims of ``ember.lab.claims.second_order`` in fast mode: each gives the verdict its
evidence supports, with checks on the key numbers."""


def test_newton_vs_gd(run_fast):
    r = run_fast("newton-vs-gd")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["newton_iterations"] <= 10 and n["order_of_convergence"] > 1.6
    assert max(abs(v) for v in n["pure_newton_end"]) < 1e-6 and abs(abs(n["gd_end"][0]) - 1) < 1e-3


def test_why_not_newton(run_fast):
    r = run_fast("why-not-newton")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["newton_slope"] - n["gradient_slope"] >= 0.8
    assert all(row["hessian_bytes"] == 8 * row["n"] ** 2 for row in n["rows"])


def test_lbfgs_history(run_fast):
    r = run_fast("lbfgs-history")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    q = n["iterations"]["quadratic"]
    assert q["1"] >= 2 * q["20"]


def test_cg_n_steps(run_fast):
    r = run_fast("cg-n-steps")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["residual_ratio_at_n"] < 1e-10 < n["residual_ratio_at_n_minus_1"]
    assert n["residual_ratio_five_at_5"] < 1e-10


def test_ridge_conditioning(run_fast):
    r = run_fast("ridge-conditioning")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    kappa = [row["condition_number"] for row in n["rows"]]
    assert kappa == sorted(kappa, reverse=True) and 0.5 < n["loglog_slope_iterations_vs_condition"] < 1.5
