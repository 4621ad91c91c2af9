"""Fast-mode runs of the regularization, optimization, geometry and classical lab claims: each
gives the verdict its evidence supports, with sanity checks on the key numbers."""
import math

import numpy as np
import pytest

import ember
from ember.lab.core import get


def run(claim_id):
    res = get(claim_id)(seed=0, fast=True)
    assert res.criterion and res.numbers
    assert res.figures, f"{claim_id}: no figure"
    return res


def test_dropout_overfitting():
    r = run("dropout-overfitting")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["train_acc_plain_mean"] == 1.0                       # it does memorise the 150 digits
    assert n["gap_loss_dropout_mean"] < n["gap_loss_plain_mean"]
    assert n["map_max_abs_diff_eval_mean"] < 1e-4 and n["map_max_abs_diff_train_mean"] < 1e-4


def test_l1_vs_l2():
    r = run("l1-vs-l2")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["l1_prox_zero_frac_mean"] > 0.2
    assert n["l2_zero_frac_mean"] == 0.0 and n["none_zero_frac_mean"] == 0.0
    assert n["l1_subgradient_zero_frac_mean"] < 0.05 < n["l1_subgradient_tiny_frac_mean"]
    assert n["l2_l2_norm_mean"] < n["none_l2_norm_mean"]


def test_early_stopping():
    r = run("early-stopping")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    row = n["per_seed"][0]
    assert row["stop_epoch"] == row["best_epoch"] + n["patience"] + 1
    assert row["restored_equals_logged_best"]
    assert row["test_loss_restored"] < row["test_loss_end_of_long_run"]


def test_momentum_valley():
    r = run("momentum-valley")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    # plain GD at its best step matches the theory (kappa - 1)/(kappa + 1) per step
    assert abs(n["sgd_steps"] - n["theory_gd_steps"]) <= 0.1 * n["theory_gd_steps"]
    assert n["sgd_lr"] < n["sgd_max_stable_lr_theory"]
    assert n["momentum_steps"] * 3 <= n["sgd_steps"] and n["nesterov_steps"] * 3 <= n["sgd_steps"]


def test_optimizers_race():
    r = run("optimizers-race")
    n = r.numbers
    assert set(n["race"]) == {"sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "nadam"}
    assert all(v["test_accuracy"] > 0.8 for v in n["race"].values())
    # the switch changes test accuracy by less than one test draw's sampling error here
    assert r.verdict == "inconclusive", r.notes
    assert abs(n["switch_minus_adam_mean"]) < n["noise_band"]


def test_batch_size():
    r = run("batch-size")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert -1.1 < n["loglog_slope_B_le_N_over_8"] < -0.9
    assert all(abs(x - 1) < 0.15 for x in n["measured_over_theory"])
    assert n["steps_per_epoch_N1347"] == {str(b): math.ceil(1347 / b) for b in (1, 7, 32, 64, 100, 1000, 1347, 2000)}
    assert n["batch_grad_minus_mean_per_sample_max"] < 1e-5


def test_dimensionality():
    r = run("dimensionality")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["ball_over_cube_exact"][1] == pytest.approx(math.pi / 4)
    assert n["ball_over_cube_exact"][2] == pytest.approx(math.pi / 6)
    assert n["max_abs_z"] < 4.5
    assert n["relative_contrast"][-1] < 0.25


def test_roc_vs_pr():
    r = run("roc-vs-pr")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["roc_curve_equals_roc_curve_fast"]
    assert n["max_abs_delta_auc"] < 0.05 and n["max_abs_delta_auc_replicated"] == 0.0
    assert n["ap_neg_x10_mean"] < n["ap_balanced_mean"] - 0.2


def test_kernel_trick():
    r = run("kernel-trick")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["kernel_vs_map_max_rel_err"] < 1e-10
    assert n["explicit_features"] == [math.comb(d + 3, 3) for d in n["dims"]]
    assert n["svc_rbf_test_acc"] >= 0.95 and n["svc_linear_test_acc"] <= 0.75


def test_weight_sharing():
    r = run("weight-sharing")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["conv_params"] == 80 and n["dense_params"] == 784 * 8 * 26 * 26 + 8 * 26 * 26
    assert max(n["conv_equivariance_max_abs_err"]) < 1e-4
    assert n["dense_min_rel_err"] > 0.1


def test_weight_sharing_fallback_conv_matches_torch():
    torch = pytest.importorskip("torch")
    from ember.lab.claims.geometry import conv2d_valid
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 9, 7)).astype(np.float32)
    w = rng.normal(size=(4, 3, 3, 2)).astype(np.float32)
    b = rng.normal(size=4).astype(np.float32)
    xe, we = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
    out = conv2d_valid(xe, we, ember.tensor(b), builtin=False)
    out.sum().backward()
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ref = torch.nn.functional.conv2d(xt, wt, torch.tensor(b))
    ref.sum().backward()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(we.grad.data, wt.grad.numpy(), atol=1e-4)
    np.testing.assert_allclose(xe.grad.data, xt.grad.numpy(), atol=1e-5)
