"""Claims of ``ember.lab.claims.training`` in fast mode: each reaches the verdict its evidence
supports, with checks on the key numbers behind it."""
import math


def test_linear_collapse(run_fast):
    r = run_fast("linear-collapse")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["collapse_relative_error_max"] < 1e-4
    assert n["test_accuracy_deep_linear"][0] <= 0.75 and n["test_accuracy_one_relu_layer"][0] >= 0.95


def test_learning_rate(run_fast):
    r = run_fast("learning-rate")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["learning_rates"] == [3.0, 1.0, 0.5, 0.1, 0.05, 0.01, 0.005, 0.0001]
    final = n["final_loss"]
    assert not math.isfinite(final[0]) or final[0] >= 0.9 * n["initial_loss"]     # lr=3 makes no progress
    assert n["loss_drop_at_smallest_lr"] < 0.05
    assert n["best_lr"] not in (3.0, 0.0001)


def test_dying_relu(run_fast):
    r = run_fast("dying-relu")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["dead_fraction_relu_large_lr"][0] >= 0.1 > n["dead_fraction_relu_normal_lr"][0]
    assert n["dead_units_without_gradient_relu_large_lr"] == n["dead_units_relu_large_lr"]
    assert n["dead_units_without_gradient_leaky_relu_large_lr"] == [0]


def test_batchnorm_lr(run_fast):
    r = run_fast("batchnorm-lr")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["test_accuracy_bn_lr1"][0] >= 0.9 and n["test_accuracy_bn_lr0.1"][0] >= 0.9
    assert n["diverged_runs_plain_lr1"] == 1 or n["test_accuracy_plain_lr1"][0] < 0.7
