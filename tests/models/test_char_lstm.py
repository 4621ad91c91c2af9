"""The character-level LSTM language model: truncated-BPTT windows, training that lowers the
bits per character well below the uniform model's, temperature sampling, and the CLI."""
import math

import numpy as np
import pytest

import ember
from ember.models import char_lstm as C
from ember.models._corpus import TEXT


def test_tbptt_windows_continue_each_stream():
    ids = np.arange(103)
    wins = list(C.tbptt_windows(ids, batch_size=4, bptt=7))
    x = np.concatenate([w[0].numpy() for w in wins])           # (25, 4): stream b is column b
    y = np.concatenate([w[1].numpy() for w in wins])
    assert [tuple(w[0].shape) for w in wins] == [(7, 4)] * 3 + [(4, 4)]
    np.testing.assert_array_equal(x[:, 1], np.arange(25, 50))   # contiguous text in each stream
    np.testing.assert_array_equal(y, x + 1)                      # targets: the next character
    with pytest.raises(ValueError, match="too short for batch_size=8"):
        list(C.tbptt_windows(np.arange(5), 8, 3))


def test_detach_state_cuts_the_graph():
    h = ember.ones(2, requires_grad=True) * 2
    c = ember.ones(2, requires_grad=True) * 3
    dh, dc = C.detach_state((h, c))
    assert dh.grad_fn is None and not dc.requires_grad and h.grad_fn is not None
    assert C.detach_state(None) is None


def test_training_lowers_bits_per_char_and_sampling_follows_temperature():
    model, vocab, hist = C.train_char_lm(hidden_size=64, epochs=12, lr=1e-2, seed=0)
    uniform = math.log2(len(vocab))
    bpc = hist["bits_per_char"]
    assert bpc[-1] < 0.6 * uniform, (bpc, uniform)            # learnt spelling and spacing
    assert bpc[-1] < bpc[0]
    greedy = C.sample(model, vocab, "The ", 80, temperature=0)
    assert greedy == C.sample(model, vocab, "The ", 80, temperature=0)
    assert greedy.startswith("The ") and len(greedy) == 84

    def distinct(t):
        s = C.sample(model, vocab, "The ", 400, t, np.random.default_rng(0))[4:]
        return len(set(s))
    assert distinct(0.3) < distinct(2.0)       # hotter sampling spreads over more characters
    with pytest.raises(ValueError, match="temperature=-1"):
        C.sample(model, vocab, "The", 5, -1)
    with pytest.raises(ValueError, match=r"characters '@' are not in the vocabulary"):
        C.sample(model, vocab, "@", 5)


def test_cli_trains_on_a_text_file_and_generates(tmp_path, capsys):
    text = tmp_path / "t.txt"
    text.write_text(TEXT[:1200], encoding="utf-8")
    out = tmp_path / "run"
    assert ember.cli.main(["train", "--model", "char-lstm", "--text", str(text), "--epochs", "2",
                           "--hidden", "32", "--out", str(out)]) == 0
    assert (out / "model.safetensors").exists()
    capsys.readouterr()
    assert ember.cli.main(["generate", "--checkpoint", str(out / "model.safetensors"), "--prime", "The sea",
                           "--length", "40", "--temperature", "0"]) == 0
    printed = capsys.readouterr().out.rstrip("\n")
    assert printed.startswith("The sea") and len(printed) == 47
    assert set(printed) <= set(TEXT[:1200])
