"""Seq2seq with attention: the three scores against their formulas, attention weights
sum to 1 and ignore padding, the step loop equals the fused teacher-forced pass, beam
width 1 equals greedy, short training runs reach >= 95% exact match (reversal, dates),
and ``ember translate`` decodes a date with the trained checkpoint."""
import numpy as np
import pytest

import ember
from ember.cli import main
from ember.serialization import save_checkpoint
from ember.text import Attention, Seq2Seq, beam_search, greedy_decode
from ember.text.tasks import EOS, SOS, TASKS, Vocab, date_pairs, task_vocabs
from ember.text.train import encode_pairs, exact_match, train_seq2seq


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize("score", ["dot", "general", "additive"])
def test_attention_scores_follow_their_formulas_and_mask_padding(score):
    ember.manual_seed(0)
    att = Attention(4, 4, score).double()
    rng = np.random.default_rng(0)
    h, s = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))
    mask = np.array([[False] * 5, [False, False, False, True, True]])
    ctx, w = att(ember.tensor(h), ember.tensor(s), mask)
    if score == "dot":
        scores = h @ s.transpose(0, 2, 1)
    elif score == "general":                                  # h^T W s
        scores = h @ (s @ att.W.weight.detach().numpy().T).transpose(0, 2, 1)
    else:                                                     # v^T tanh(W1 h + W2 s)
        q = h @ att.W_q.weight.detach().numpy().T
        k = s @ att.W_k.weight.detach().numpy().T + att.W_k.bias.detach().numpy()
        scores = (np.tanh(q[:, :, None] + k[:, None]) @ att.v.weight.detach().numpy().T)[..., 0]
    scores = np.where(mask[:, None], -np.inf, scores)
    np.testing.assert_allclose(w.detach().numpy(), _softmax(scores), atol=1e-12)
    np.testing.assert_allclose(w.detach().numpy().sum(-1), 1, atol=1e-12)
    assert np.all(w.detach().numpy()[1, :, 3:] == 0)
    np.testing.assert_allclose(ctx.detach().numpy(), _softmax(scores) @ s, atol=1e-12)


def _batch(task="dates", n=6):
    sv, tv = task_vocabs(task)
    return sv, tv, encode_pairs(TASKS[task](n, seed=3), sv, tv)


@pytest.mark.parametrize("attention, cell", [("general", "gru"), ("additive", "lstm"), ("dot", "gru"), (None, "lstm")])
def test_beam_width_one_is_greedy_and_the_step_loop_is_the_fused_pass(attention, cell):
    ember.manual_seed(1)
    sv, tv, (src, lengths, tin, _) = _batch()
    model = Seq2Seq(len(sv), len(tv), 8, 8, cell, attention).eval()
    seqs, logp = greedy_decode(model, src, lengths, max_len=12)
    beams = beam_search(model, src, lengths, beam_width=1, max_len=12)
    assert [b[0].tokens for b in beams] == seqs
    np.testing.assert_allclose([b[0].log_prob for b in beams], logp, atol=1e-4)
    with ember.no_grad():
        fused = model(src, lengths, tin).numpy()
        stepped = model(src, lengths, tin, teacher_forcing_ratio=1 - 1e-12).numpy()   # step loop, teacher's tokens
    np.testing.assert_allclose(stepped, fused, atol=1e-5)


def test_beam_search_hypotheses_are_sorted_and_scored():
    ember.manual_seed(2)
    sv, tv, (src, lengths, _, _) = _batch(n=2)
    model = Seq2Seq(len(sv), len(tv), 8, 8).eval()
    for hyps in beam_search(model, src, lengths, beam_width=4, length_penalty=0.7, max_len=6):
        assert 1 <= len(hyps) and [h.score for h in hyps] == sorted((h.score for h in hyps), reverse=True)
        for h in hyps:
            assert h.score == pytest.approx(h.log_prob / (len(h.tokens) + 1) ** 0.7) and h.log_prob <= 0
            assert EOS not in h.tokens and SOS not in h.tokens
    with pytest.raises(ValueError, match="beam_width=0"):
        beam_search(model, src, lengths, beam_width=0)


@pytest.fixture(scope="module")
def dates_model():
    return train_seq2seq("dates", steps=300, hidden=32, emb_dim=16, batch_size=32, lr=1e-2, seed=0)


def test_dates_reach_95_percent_exact_match(dates_model):
    model, sv, tv = dates_model
    assert exact_match(model, date_pairs(300, seed=123), sv, tv) >= 0.95


def test_reversal_reaches_95_percent_exact_match():
    kw = dict(min_len=3, max_len=7, alphabet="abcdef")
    model, sv, tv = train_seq2seq("reversal", steps=160, hidden=32, emb_dim=16, batch_size=32, lr=1e-2, **kw)
    assert exact_match(model, TASKS["reversal"](300, seed=123, **kw), sv, tv) >= 0.95


def test_translate_command_decodes_a_date(dates_model, tmp_path, capsys):
    model, sv, tv = dates_model
    path = tmp_path / "model.safetensors"
    save_checkpoint(path, model.state_dict(), config={"model": "seq2seq-attn", "task": "dates",
                                                      "model_config": model.config})
    pairs = date_pairs(10, seed=7)
    assert main(["translate", "--checkpoint", str(path), "--beam", "3"] + [p[0].title() for p in pairs]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [ln.split("\t")[0] for ln in lines] == [p[0].title() for p in pairs]     # input case is folded
    assert sum(ln.split("\t")[1] == p[1] for ln, p in zip(lines, pairs)) >= 9
    assert main(["translate", "--checkpoint", str(path), "march 3rd; 1997"]) == 2      # ';' is not in the vocabulary


def test_vocab_and_task_errors():
    v = Vocab("ab")
    assert v.decode(v.encode("ba") + [EOS] + v.encode("a")) == "ba"
    with pytest.raises(ValueError, match=r"characters \['z'\]"):
        v.encode("az")
    with pytest.raises(ValueError, match="score='cosine'"):
        Attention(4, 4, "cosine")
    with pytest.raises(ValueError, match="dot score needs dec_dim == enc_dim, got 3 and 4"):
        Attention(3, 4, "dot")


def test_generated_tasks_are_correct():
    import datetime
    for src, tgt in TASKS["addition"](50, seed=0):
        a, b = src.split("+")
        assert int(tgt) == int(a) + int(b)
    assert all(t == s[::-1] for s, t in TASKS["reversal"](20, seed=0))
    from ember.text.tasks import DATE_FORMATS
    d = datetime.date(1997, 3, 3)
    assert [f(d) for f in DATE_FORMATS] == [
        "march 3rd, 1997", "march 3, 1997", "3 march 1997", "mar 3 1997", "03.03.1997", "3/3/1997",
        "monday, march 3, 1997", "the 3rd of march 1997"]
    for src, tgt in date_pairs(40, seed=1):
        datetime.date.fromisoformat(tgt)                     # a valid ISO date
        sv, _ = task_vocabs("dates")
        sv.encode(src)                                       # every character is in the vocabulary
