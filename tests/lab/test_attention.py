"""Claims of ``ember.lab.claims.attention`` in fast mode: each gives the verdict its
evidence supports, with checks on the key numbers."""


def test_attention_long_inputs(run_fast):
    r = run_fast("attention-long-inputs")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["long_acc_attention"] >= n["long_acc_none"] + 0.2
    assert n["heatmap_anti_diagonal_fraction"] >= 0.8          # reversal attends to the mirrored position


def test_beam_vs_greedy(run_fast):
    r = run_fast("beam-vs-greedy")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["frac_beam_logp_ge_greedy"] >= 0.95 and n["mean_logp_beam"] >= n["mean_logp_greedy"]


def test_textcnn_ngrams(run_fast):
    r = run_fast("textcnn-ngrams")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["acc_textcnn_mean"] >= 0.9 and n["acc_bag_of_words_mean"] <= 0.45
