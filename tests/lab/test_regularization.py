"""Claims of ``ember.lab.claims.regularization`` in fast mode: each gives the verdict its
evidence supports, with checks on the key numbers."""


def test_dropout_overfitting(run_fast):
    r = run_fast("dropout-overfitting")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["train_acc_plain_mean"] == 1.0                       # it does memorise the 150 digits
    assert n["gap_loss_dropout_mean"] < n["gap_loss_plain_mean"]
    assert n["map_max_abs_diff_eval_mean"] < 1e-4 and n["map_max_abs_diff_train_mean"] < 1e-4


def test_l1_vs_l2(run_fast):
    r = run_fast("l1-vs-l2")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["l1_prox_zero_frac_mean"] > 0.2
    assert n["l2_zero_frac_mean"] == 0.0 and n["none_zero_frac_mean"] == 0.0
    assert n["l1_subgradient_zero_frac_mean"] < 0.05 < n["l1_subgradient_tiny_frac_mean"]
    assert n["l2_l2_norm_mean"] < n["none_l2_norm_mean"]


def test_early_stopping(run_fast):
    r = run_fast("early-stopping")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    row = n["per_seed"][0]
    assert row["stop_epoch"] == row["best_epoch"] + n["patience"] + 1
    assert row["restored_equals_logged_best"]
    assert row["test_loss_restored"] < row["test_loss_end_of_long_run"]


def test_augmentation(run_fast):
    r = run_fast("augmentation")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["train_acc_raw_mean"] == 1.0                      # the raw net memorises its 150 images
    assert n["gain_crop_mean"] > n["noise_threshold"] > 0
    assert n["test_acc_crop_mean"] > 0.9
    assert set(r.figures) == {"augmentation_curves", "augmented_samples"}
