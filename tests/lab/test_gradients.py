"""Claims of ``ember.lab.claims.gradients`` in fast mode: each reaches the verdict its evidence
supports, with checks on the key numbers behind it."""


def test_vanishing_gradients(run_fast):
    r = run_fast("vanishing-gradients")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["first_over_last_grad_at_init_sigmoid"] < 1e-3 < 0.1 < n["first_over_last_grad_at_init_relu"]
    assert n["first_layer_weight_change_sigmoid"][0] < 1e-2 * n["first_layer_weight_change_relu"][0]
    assert len(n["grad_norm_per_layer_at_init_sigmoid"]) == 10


def test_softmax_ce_gradient(run_fast):
    r = run_fast("softmax-ce-gradient")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["example_probabilities"] == [0.0159, 0.8668, 0.1173]
    assert n["example_gradient_autograd"] == [0.0159, -0.1332, 0.1173]
    assert n["example_gradient_numerical"] == [0.0159, -0.1332, 0.1173]
    assert n["max_abs_error_numerical_vs_p_minus_y"] < 1e-7
    assert "0.886" in r.notes                     # the notes' misprint is reported


def test_softmax_ce_gradient_is_deterministic(run_fast):
    a, b = run_fast("softmax-ce-gradient"), run_fast("softmax-ce-gradient")
    assert a.numbers == b.numbers and a.verdict == b.verdict


def test_numerical_vs_backprop(run_fast):
    r = run_fast("numerical-vs-backprop")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["numerical_forward_passes"] == [2 * p for p in n["params"]]
    assert set(n["backprop_forward_passes"]) == {1}
    assert max(n["relative_error"]) < 1e-6
    assert 0.8 <= n["numerical_cost_loglog_slope"] <= 1.2


def test_exploding_gradients(run_fast):
    r = run_fast("exploding-gradients")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["unclipped_nan_step"][0] is not None
    assert n["unclipped_grad_norm_growth_before_nan"][0] >= 100
    assert n["clipped_all_losses_finite"] == [True]
    assert n["clipped_loss_final"][0] < n["clipped_loss_initial"][0]
    assert n["detect_anomaly_where"][0].endswith(("weight", "bias"))
