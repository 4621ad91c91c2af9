"""Claims of ``ember.lab.claims.classical`` in fast mode: each gives the verdict its evidence
supports, with checks on the key numbers."""
import math

import pytest


def test_dimensionality(run_fast):
    r = run_fast("dimensionality")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["ball_over_cube_exact"][1] == pytest.approx(math.pi / 4)
    assert n["ball_over_cube_exact"][2] == pytest.approx(math.pi / 6)
    assert n["max_abs_z"] < 4.5
    assert n["relative_contrast"][-1] < 0.25


def test_kernel_trick(run_fast):
    r = run_fast("kernel-trick")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["kernel_vs_map_max_rel_err"] < 1e-10
    assert n["explicit_features"] == [math.comb(d + 3, 3) for d in n["dims"]]
    assert n["svc_rbf_test_acc"] >= 0.95 and n["svc_linear_test_acc"] <= 0.75
