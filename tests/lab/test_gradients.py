"""Each of the first ten claims in fast mode reaches the verdict its evidence supports,
with a check on the key numbers behind it."""
import math

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from ember.lab.runner import run_claim  # noqa: E402


def _run(cid):
    r = run_claim(cid, seed=0, fast=True, record=False)
    for fig in r.figures.values():
        assert fig.axes, f"{cid}: empty figure"
        plt.close(fig)
    assert r.seconds < 30, f"{cid}: fast mode took {r.seconds:.1f} s"
    return r


def test_vanishing_gradients():
    r = _run("vanishing-gradients")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["first_over_last_grad_at_init_sigmoid"] < 1e-3 < 0.1 < n["first_over_last_grad_at_init_relu"]
    assert n["first_layer_weight_change_sigmoid"][0] < 1e-2 * n["first_layer_weight_change_relu"][0]
    assert len(n["grad_norm_per_layer_at_init_sigmoid"]) == 10


def test_linear_collapse():
    r = _run("linear-collapse")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["collapse_relative_error_max"] < 1e-4
    assert n["test_accuracy_deep_linear"][0] <= 0.75 and n["test_accuracy_one_relu_layer"][0] >= 0.95


def test_zero_init_symmetry():
    r = _run("zero-init-symmetry")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["max_hidden_row_difference_zeros"] == 0 and n["max_hidden_row_difference_constant"] == 0
    assert n["hidden_weight_rank_constant"] == [1] and n["hidden_weight_rank_random"] == [32]
    assert n["test_accuracy_random"][0] > 0.85 > 0.3 > n["test_accuracy_constant"][0]


def test_init_scale():
    r = _run("init-scale")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["saturated_fraction_last_layer_tanh_normal"] > 0.5
    assert n["std_last_over_first_relu_normal"] > 1e3
    assert 0.5 < n["std_last_over_first_relu_he"] < 2 and n["std_last_over_first_relu_xavier"] < 0.1


def test_softmax_ce_gradient():
    r = _run("softmax-ce-gradient")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["example_probabilities"] == [0.0159, 0.8668, 0.1173]
    assert n["example_gradient_autograd"] == [0.0159, -0.1332, 0.1173]
    assert n["example_gradient_numerical"] == [0.0159, -0.1332, 0.1173]
    assert n["max_abs_error_numerical_vs_p_minus_y"] < 1e-7
    assert "0.886" in r.notes                     # the notes' misprint is reported


def test_numerical_vs_backprop():
    r = _run("numerical-vs-backprop")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["numerical_forward_passes"] == [2 * p for p in n["params"]]
    assert set(n["backprop_forward_passes"]) == {1}
    assert max(n["relative_error"]) < 1e-6
    assert 0.8 <= n["numerical_cost_loglog_slope"] <= 1.2


def test_learning_rate():
    r = _run("learning-rate")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["learning_rates"] == [3.0, 1.0, 0.5, 0.1, 0.05, 0.01, 0.005, 0.0001]
    final = n["final_loss"]
    assert not math.isfinite(final[0]) or final[0] >= 0.9 * n["initial_loss"]     # lr=3 makes no progress
    assert n["loss_drop_at_smallest_lr"] < 0.05
    assert n["best_lr"] not in (3.0, 0.0001)


def test_exploding_gradients():
    r = _run("exploding-gradients")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["unclipped_nan_step"][0] is not None
    assert n["unclipped_grad_norm_growth_before_nan"][0] >= 100
    assert n["clipped_all_losses_finite"] == [True]
    assert n["clipped_loss_final"][0] < n["clipped_loss_initial"][0]
    assert n["detect_anomaly_where"][0].endswith(("weight", "bias"))


def test_dying_relu():
    r = _run("dying-relu")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["dead_fraction_relu_large_lr"][0] >= 0.1 > n["dead_fraction_relu_normal_lr"][0]
    assert n["dead_units_without_gradient_relu_large_lr"] == n["dead_units_relu_large_lr"]
    assert n["dead_units_without_gradient_leaky_relu_large_lr"] == [0]


def test_batchnorm_lr():
    r = _run("batchnorm-lr")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["test_accuracy_bn_lr1"][0] >= 0.9 and n["test_accuracy_bn_lr0.1"][0] >= 0.9
    assert n["diverged_runs_plain_lr1"] == 1 or n["test_accuracy_plain_lr1"][0] < 0.7


@pytest.mark.parametrize("cid", ["softmax-ce-gradient", "init-scale"])
def test_fast_claims_are_deterministic(cid):
    a, b = _run(cid), _run(cid)
    assert a.numbers == b.numbers and a.verdict == b.verdict
