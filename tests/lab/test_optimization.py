"""Claims of ``ember.lab.claims.optimization`` in fast mode: each gives the verdict its
evidence supports, with checks on the key numbers."""
import math


def test_momentum_valley(run_fast):
    r = run_fast("momentum-valley")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    # plain GD at its best step matches the theory (kappa - 1)/(kappa + 1) per step
    assert abs(n["sgd_steps"] - n["theory_gd_steps"]) <= 0.1 * n["theory_gd_steps"]
    assert n["sgd_lr"] < n["sgd_max_stable_lr_theory"]
    assert n["momentum_steps"] * 3 <= n["sgd_steps"] and n["nesterov_steps"] * 3 <= n["sgd_steps"]


def test_optimizers_race(run_fast):
    r = run_fast("optimizers-race")
    n = r.numbers
    assert set(n["race"]) == {"sgd", "momentum", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "nadam"}
    assert all(v["test_accuracy"] > 0.8 for v in n["race"].values())
    # the switch changes test accuracy by less than one test draw's sampling error here
    assert r.verdict == "inconclusive", r.notes
    assert abs(n["switch_minus_adam_mean"]) < n["noise_band"]


def test_batch_size(run_fast):
    r = run_fast("batch-size")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert -1.1 < n["loglog_slope_B_le_N_over_8"] < -0.9
    assert all(abs(x - 1) < 0.15 for x in n["measured_over_theory"])
    assert n["steps_per_epoch_N1347"] == {str(b): math.ceil(1347 / b) for b in (1, 7, 32, 64, 100, 1000, 1347, 2000)}
    assert n["batch_grad_minus_mean_per_sample_max"] < 1e-5
