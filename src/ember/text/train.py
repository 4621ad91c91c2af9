"""Training loops and metrics for the text models (used by the CLI, the lab claims and
the tests)."""
import numpy as np

import ember
from ..nn import functional as F
from ..optim import Adam
from ..nn.utils import clip_grad_norm_
from .seq2seq import Seq2Seq, greedy_decode
from .tasks import PAD, TASKS, task_vocabs
from .textcnn import TextCNN


def encode_pairs(pairs, sv, tv):
    """Source ids and lengths, decoder input (SOS + target) and output (target + EOS)."""
    src, lengths = sv.batch([p[0] for p in pairs])
    tin, _ = tv.batch([p[1] for p in pairs], sos=True)
    tout, _ = tv.batch([p[1] for p in pairs], eos=True)
    return src, lengths, tin, tout


def exact_match(model, pairs, sv, tv, max_len=None, batch_size=256):
    """Fraction of sources whose greedy decoding equals the target exactly."""
    max_len = max_len or max(len(p[1]) for p in pairs) + 2
    model.eval()
    hits = 0
    for i in range(0, len(pairs), batch_size):
        chunk = pairs[i:i + batch_size]
        src, lengths = sv.batch([p[0] for p in chunk])
        seqs, _ = greedy_decode(model, src, lengths, max_len)
        hits += sum(tv.decode(s) == p[1] for s, p in zip(seqs, chunk))
    return hits / len(pairs)


def train_seq2seq(task="dates", pairs=None, attention="general", cell="gru", steps=600, batch_size=64, lr=5e-3,
                  emb_dim=32, hidden=64, teacher_forcing_ratio=1.0, seed=0, n_train=None, log=None, **task_kw):
    """Train a :class:`Seq2Seq` on ``task`` (generated with ``task_kw``, or the given
    ``pairs``) with Adam and gradient clipping; returns (model, source vocab, target vocab)."""
    ember.manual_seed(seed)
    sv, tv = task_vocabs(task)
    if pairs is None:
        pairs = TASKS[task](n_train or steps * batch_size, seed=seed + 1, **task_kw)
    model = Seq2Seq(len(sv), len(tv), emb_dim, hidden, cell, attention)
    opt = Adam(model.parameters(), lr=lr)
    sched = ember.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    rng = np.random.default_rng(seed)
    model.train()
    for step in range(steps):
        batch = [pairs[j] for j in rng.integers(0, len(pairs), batch_size)]
        src, lengths, tin, tout = encode_pairs(batch, sv, tv)
        logits = model(src, lengths, tin, teacher_forcing_ratio)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ember.tensor(tout.reshape(-1)), ignore_index=PAD)
        opt.zero_grad()
        loss.backward()
        clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if log and (step % 100 == 0 or step == steps - 1):
            log(f"step {step}: loss {float(loss):.4f}")
    model.eval()
    return model, sv, tv


def train_textcnn(X, y, num_classes, vocab_size, steps=300, batch_size=64, lr=3e-3, seed=0, **model_kw):
    """Train a :class:`TextCNN` on token ids ``X`` and labels ``y``; returns the model."""
    ember.manual_seed(seed)
    model = TextCNN(vocab_size, num_classes, **model_kw)
    opt = Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    model.train()
    for _ in range(steps):
        idx = rng.integers(0, len(X), batch_size)
        loss = F.cross_entropy(model(ember.tensor(X[idx])), ember.tensor(y[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    return model


def accuracy(model, X, y):
    with ember.no_grad():
        return float((model(ember.tensor(X)).array.argmax(-1) == y).mean())
