"""Claims of ``ember.lab.claims.sequence`` in fast mode: each reaches the verdict its evidence
supports, with checks on the key numbers behind it."""


def test_lstm_memory(run_fast):
    r = run_fast("lstm-memory")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["grad_first_over_last_step_RNN"] < 1e-4                 # vanished over the gap
    assert n["grad_first_over_last_step_GRU"] > 1e-2 and n["grad_first_over_last_step_LSTM"] > 1e-2
    assert n["test_accuracy_RNN"][0] <= 0.5 and n["test_accuracy_GRU"][0] >= 0.9


def test_rnn_exploding_clipping(run_fast):
    r = run_fast("rnn-exploding-clipping")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["grad_norm_at_init"] > 100
    assert n["clipped_weights_finite"] and n["clipped_final_loss"] < n["clipped_initial_loss"]
    assert not n["unclipped_weights_finite"] or n["unclipped_final_loss"] > 2 * n["clipped_initial_loss"]


def test_gru_vs_lstm(run_fast):
    r = run_fast("gru-vs-lstm")
    n = r.numbers
    assert n["param_ratio_GRU_over_LSTM"] == 0.75
    assert n["params_LSTM"] == 4 * (32 * 8 + 32 * 32 + 2 * 32)      # 4 gate blocks of (W_ih, W_hh, b_ih, b_hh)
    assert n["test_accuracy_GRU"][0] >= 0.9 and n["test_accuracy_LSTM"][0] >= 0.9
    # the verdict follows the numbers (the timing itself is not asserted here)
    faster = n["time_ratio_GRU_over_LSTM"] < 1
    assert r.verdict == ("holds" if faster else "fails")


def test_bidirectional_context(run_fast):
    r = run_fast("bidirectional-context")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["test_accuracy_bidirectional"] >= 0.9
    assert abs(n["test_accuracy_one_directional"] - 1 / 6) < 0.1


def test_lstm_activations(run_fast):
    r = run_fast("lstm-activations")
    n = r.numbers
    std = "sigmoid gates, tanh candidate (LSTM)"
    assert n[f"test_accuracy[{std}]"] >= 0.9
    assert n["max_abs_cell_over_120_steps[relu candidate]"] > n[f"max_abs_cell_over_120_steps[{std}]"]
    others = max(n["test_accuracy[tanh gates]"], n["test_accuracy[relu candidate]"])
    ok = n[f"test_accuracy[{std}]"] >= others and n["relu_over_tanh_cell_magnitude"] >= 2
    assert r.verdict == ("holds" if ok else "fails")
