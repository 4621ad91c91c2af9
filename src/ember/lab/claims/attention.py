"""Attention claims: attention keeps a seq2seq model accurate on long inputs, beam search
finds sequences at least as probable as greedy decoding, and a text CNN's n-gram filters
see word order that a bag of words cannot.

Every experiment uses the generated tasks of :mod:`ember.text.tasks` (sequence reversal,
dates, the trigram task) and the models of :mod:`ember.text`.
"""
import numpy as np

import ember
from ember.lab.core import Result, claim, verdict
from ember.text import beam_search, greedy_decode
from ember.text.tasks import date_pairs, ngram_task, reversal_pairs
from ember.text.train import accuracy, exact_match, train_seq2seq, train_textcnn

from ._common import figure, mean_std, single_thread


@claim(
    id="attention-long-inputs",
    topic="attention",
    concepts=("rnn.attention", "rnn.seq2seq"),
    question="Why does seq2seq need attention?",
    statement="A plain encoder-decoder squeezes the whole source into one fixed-size vector, so its "
              "accuracy falls as inputs grow; attention lets every decoder step look back at all encoder "
              "states, so accuracy holds up on long inputs.",
    source="note 004 (seq2seq, attention)",
    method="Train the same bidirectional-GRU seq2seq with and without (general) attention on string reversal "
           "(lengths 2 to L), same steps, seeds and data; measure exact match per input length on new strings; "
           "plot accuracy against length and the attention weights of one long example (reversal should give "
           "an anti-diagonal).",
)
@single_thread()
def attention_long_inputs(seed, fast):
    L, steps, hidden = (10, 200, 32) if fast else (20, 1500, 64)
    seeds = [seed] if fast else [seed + k for k in range(3)]
    kw = dict(min_len=2, max_len=L, alphabet="abcdefgh")
    lengths = list(range(2, L + 1))
    acc = {"attention": [], "none": []}
    heat = None
    for s in seeds:
        pairs = reversal_pairs(steps * 32, seed=s + 1, **kw)
        for name, att in (("attention", "general"), ("none", None)):
            model, sv, tv = train_seq2seq("reversal", pairs=pairs, attention=att, steps=steps, hidden=hidden,
                                          emb_dim=16, batch_size=32, lr=1e-2, seed=s)
            per = [exact_match(model, reversal_pairs(40, min_len=n, max_len=n, alphabet="abcdefgh", seed=100 + n),
                               sv, tv) for n in lengths]
            acc[name].append(per)
            if att and heat is None:
                text = reversal_pairs(1, min_len=L, max_len=L, alphabet="abcdefgh", seed=7)[0][0]
                src, lens = sv.batch([text])
                tin, _ = tv.batch([text[::-1]], sos=True)
                with ember.no_grad():           # the weights while emitting the right answer
                    enc, state, mask = model.encode(src, lens)
                    w = model.decoder(ember.tensor(tin), state, enc, mask)[2].numpy()
                heat = (text, w[0, :L])
    a, b = np.mean(acc["attention"], 0), np.mean(acc["none"], 0)
    long = [i for i, n in enumerate(lengths) if n > L * 2 // 3]
    short = [i for i, n in enumerate(lengths) if n <= L // 3]
    text, w = heat
    anti = float(np.mean(w.argmax(-1) == np.arange(L)[::-1]))
    num = {"max_len": L, "steps": steps, "seeds": seeds, "lengths": lengths,
           "acc_attention": a.tolist(), "acc_none": b.tolist(),
           "long_acc_attention": float(a[long].mean()), "long_acc_none": float(b[long].mean()),
           "short_acc_attention": float(a[short].mean()), "short_acc_none": float(b[short].mean()),
           "heatmap_anti_diagonal_fraction": anti}
    ok = num["long_acc_attention"] >= num["long_acc_none"] + 0.2 and num["long_acc_attention"] >= 0.8
    criterion = (f"on the longest third of lengths ({lengths[long[0]]}-{L}) attention's exact match is >= 0.8 and "
                 "at least 0.2 above the model without attention")
    fig, (ax1, ax2) = figure(2, size=(4.6, 3.6))
    ax1.plot(lengths, a, "o-", label="with attention")
    ax1.plot(lengths, b, "s-", label="without attention")
    ax1.set(xlabel="input length", ylabel="exact match", title="reversal: accuracy vs length", ylim=(-0.05, 1.05))
    ax1.legend()
    ax2.imshow(w, cmap="viridis", aspect="auto")
    ax2.set(xticks=range(L), xticklabels=list(text), yticks=range(L), yticklabels=list(text[::-1]),
            xlabel="source", ylabel="output", title="attention weights")
    notes = (f"Long inputs: {num['long_acc_attention']:.2f} with attention vs {num['long_acc_none']:.2f} without; "
             f"short: {num['short_acc_attention']:.2f} vs {num['short_acc_none']:.2f}. The heatmap's arg-max is the "
             f"mirrored position for {100 * anti:.0f}% of output steps.")
    return Result(verdict(ok), criterion, num, {"accuracy-vs-length": fig}, notes)


@claim(
    id="beam-vs-greedy",
    topic="attention",
    concepts=("rnn.beam", "rnn.greedy"),
    question="What is beam search and why is it better than greedy decoding?",
    statement="Greedy decoding commits to the most likely token at each step; beam search keeps the k best "
              "prefixes, so the sequence it returns has a log-probability at least as high as greedy's "
              "(almost always), and its accuracy is at least as good.",
    source="note 004 (beam search)",
    method="Train a date-normalisation seq2seq briefly (so it still makes mistakes); decode new dates greedily and "
           "with beam width 5 (no length penalty); compare each source's log-probability and the exact match.",
)
@single_thread()
def beam_vs_greedy(seed, fast):
    steps, n_test, hidden = (120, 60, 32) if fast else (400, 300, 64)
    model, sv, tv = train_seq2seq("dates", steps=steps, hidden=hidden, emb_dim=16, batch_size=32, lr=1e-2, seed=seed)
    test = date_pairs(n_test, seed=seed + 999)
    src, lens = sv.batch([p[0] for p in test])
    g_seqs, g_lp = greedy_decode(model, src, lens, 14)
    beams = beam_search(model, src, lens, beam_width=5, max_len=14)
    b_lp = np.array([h[0].log_prob for h in beams])
    diff = b_lp - g_lp
    g_acc = float(np.mean([tv.decode(s) == p[1] for s, p in zip(g_seqs, test)]))
    b_acc = float(np.mean([tv.decode(h[0].tokens) == p[1] for h, p in zip(beams, test)]))
    num = {"steps": steps, "n_test": n_test, "frac_beam_logp_ge_greedy": float(np.mean(diff >= -1e-6)),
           "mean_logp_greedy": float(g_lp.mean()), "mean_logp_beam": float(b_lp.mean()),
           "mean_logp_gain": float(diff.mean()), "frac_beam_strictly_better": float(np.mean(diff > 1e-6)),
           "acc_greedy": g_acc, "acc_beam": b_acc}
    ok = num["frac_beam_logp_ge_greedy"] >= 0.95 and num["mean_logp_gain"] >= 0 and b_acc >= g_acc - 0.02
    criterion = ("beam-5's best sequence has log-probability >= greedy's for >= 95% of sources, the mean gain is "
                 ">= 0, and its exact match is not more than 0.02 below greedy's")
    fig, ax = figure()
    ax.scatter(g_lp, b_lp, s=12)
    lo = float(min(g_lp.min(), b_lp.min()))
    ax.plot([lo, 0], [lo, 0], "k--", lw=1)
    ax.set(xlabel="greedy log p", ylabel="beam-5 log p", title=f"accuracy: greedy {g_acc:.2f}, beam {b_acc:.2f}")
    notes = (f"Beam >= greedy in log-probability for {100 * num['frac_beam_logp_ge_greedy']:.0f}% of sources "
             f"(strictly better for {100 * num['frac_beam_strictly_better']:.0f}%), mean gain "
             f"{num['mean_logp_gain']:.3f} nats; exact match {g_acc:.3f} (greedy) vs {b_acc:.3f} (beam).")
    return Result(verdict(ok), criterion, num, {"beam-vs-greedy": fig}, notes)


@claim(
    id="textcnn-ngrams",
    topic="attention",
    concepts=("rnn.textcnn",),
    question="How does a CNN classify text?",
    statement="Convolutions over word embeddings are n-gram detectors and max-over-time pooling asks whether the "
              "n-gram occurs anywhere, so a text CNN learns labels that depend on word order, which a bag of "
              "words cannot represent.",
    source="note 004 (TextCNN)",
    method="Generate sequences labelled by which of two trigrams occurs in order (every class has the same bag "
           "of words: the other trigram appears shuffled); train a text CNN (widths 2, 3, 4) and a bag-of-words "
           "softmax regression; compare test accuracy with chance (1/3).",
)
@single_thread()
def textcnn_ngrams(seed, fast):
    n_train, steps = (1500, 250) if fast else (5000, 1000)
    seeds = [seed] if fast else [seed + k for k in range(3)]
    cnn, bow = [], []
    for s in seeds:
        X, y = ngram_task(n_train, seed=s + 1)
        Xt, yt = ngram_task(1000, seed=s + 500)
        model = train_textcnn(X, y, 3, 12, steps=steps, seed=s)
        cnn.append(accuracy(model, Xt, yt))
        W, b = train_bow(_counts(X), y, s)
        bow.append(float(((_counts(Xt) @ W + b).argmax(-1) == yt).mean()))
    (c, c_sd), (b, b_sd) = mean_std(cnn), mean_std(bow)
    num = {"n_train": n_train, "steps": steps, "seeds": seeds, "acc_textcnn_mean": c, "acc_textcnn_std": c_sd,
           "acc_bag_of_words_mean": b, "acc_bag_of_words_std": b_sd, "chance": 1 / 3}
    ok = c >= 0.9 and b <= 0.45
    criterion = "text CNN test accuracy >= 0.9 while bag-of-words softmax regression stays <= 0.45 (chance 0.33)"
    fig, ax = figure()
    ax.bar(["text CNN", "bag of words", "chance"], [c, b, 1 / 3], color=["C0", "C1", "0.7"])
    ax.set(ylabel="test accuracy", ylim=(0, 1), title="trigram task")
    notes = f"Text CNN {c:.3f} vs bag of words {b:.3f} (chance 0.333)."
    return Result(verdict(ok), criterion, num, {"textcnn-vs-bow": fig}, notes)


def _counts(X, vocab_size=12):
    """Bag of words: token counts per sequence."""
    return np.stack([np.bincount(r, minlength=vocab_size) for r in X]).astype(np.float32)


def train_bow(C, y, seed, steps=300, lr=0.1):
    """Softmax regression on token counts (full-batch Adam); returns (W, b) as arrays."""
    ember.manual_seed(seed)
    W = ember.zeros(C.shape[1], 3, requires_grad=True)
    b = ember.zeros(3, requires_grad=True)
    opt = ember.optim.Adam([W, b], lr=lr)
    Ct, yt = ember.tensor(C), ember.tensor(y)
    for _ in range(steps):
        loss = ember.nn.functional.cross_entropy(Ct @ W + b, yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return W.detach().numpy(), b.detach().numpy()
