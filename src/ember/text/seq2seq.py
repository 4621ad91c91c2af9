"""Encoder-decoder (seq2seq) with attention, as in the notes: a bidirectional GRU/LSTM
encoder reads the source; a GRU/LSTM decoder starts from a bridge of the encoder's final
states and, at each step, scores its state h_t against every encoder output s_j
(``dot``: h.s, ``general`` (Luong): h^T W s, ``additive`` (Bahdanau): v^T tanh(W1 h + W2 s)),
turns the scores into weights with a softmax over the source (padding masked), takes the
context vector c_t = sum_j a_tj s_j and joins it with the state: tanh(W_c [h_t; c_t]).
Without attention the decoder sees the source only through its initial state.

Training uses teacher forcing (the whole target runs through the decoder's fused GRU in one
call) or, with ``teacher_forcing_ratio < 1``, a step loop that feeds back the model's own
prediction with probability 1 - ratio. :func:`greedy_decode` takes the arg-max at every
step; :func:`beam_search` keeps the ``beam_width`` best prefixes by log-probability and
ranks the finished ones by log p / length^length_penalty.
"""
from collections import namedtuple

import numpy as np

import ember
from .. import nn
from ..nn import functional as F
from ..nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from ..random import rng as _rng
from .tasks import EOS, PAD, SOS

Hypothesis = namedtuple("Hypothesis", "tokens log_prob score")
SCORES = ("dot", "general", "additive")


class Attention(nn.Module):
    """Scores of decoder states (N, T, Hd) against encoder outputs (N, S, He), softmax over
    the source (``mask`` (N, S), True = padding, gets weight 0) and the context vectors.
    Returns (context (N, T, He), weights (N, T, S))."""

    def __init__(self, dec_dim, enc_dim, score="general", attn_dim=None):
        super().__init__()
        if score not in SCORES:
            raise ValueError(f"Attention: score={score!r} must be one of {SCORES}")
        if score == "dot" and dec_dim != enc_dim:
            raise ValueError(f"Attention: the dot score needs dec_dim == enc_dim, got {dec_dim} and {enc_dim}")
        self.score = score
        if score == "general":
            self.W = nn.Linear(enc_dim, dec_dim, bias=False)
        elif score == "additive":
            a = attn_dim or dec_dim
            self.W_q, self.W_k, self.v = nn.Linear(dec_dim, a, bias=False), nn.Linear(enc_dim, a), nn.Linear(a, 1, bias=False)

    def forward(self, h, enc, mask=None):
        if self.score == "dot":
            scores = h @ enc.mT
        elif self.score == "general":
            scores = h @ self.W(enc).mT
        else:
            scores = self.v((self.W_q(h).unsqueeze(2) + self.W_k(enc).unsqueeze(1)).tanh()).squeeze(-1)
        if mask is not None:
            scores = scores.masked_fill(ember.tensor(mask[:, None, :]), float("-inf"))
        w = F.softmax(scores, -1)
        return w @ enc, w


def _rnn(cell, *args, **kw):
    if cell not in ("gru", "lstm"):
        raise ValueError(f"seq2seq: cell={cell!r} must be 'gru' or 'lstm'")
    return (nn.GRU if cell == "gru" else nn.LSTM)(*args, batch_first=True, **kw)


class Encoder(nn.Module):
    """Embedding then a (bidirectional) GRU/LSTM over the packed source; returns the outputs
    (N, S, out_dim), zero at padding, and the last layer's final states joined (N, out_dim)."""

    def __init__(self, vocab_size, emb_dim=32, hidden=64, cell="gru", bidirectional=True):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=PAD)
        self.rnn = _rnn(cell, emb_dim, hidden, bidirectional=bidirectional)
        self.out_dim = hidden * (2 if bidirectional else 1)

    def forward(self, src, lengths):
        packed = pack_padded_sequence(self.embedding(src), lengths, batch_first=True, enforce_sorted=False)
        out, h = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        h = h[0] if isinstance(h, tuple) else h
        final = ember.cat([h[-2], h[-1]], -1) if self.out_dim != self.rnn.hidden_size else h[-1]
        return out, final


class Decoder(nn.Module):
    """Embedding, a GRU/LSTM started from tanh(W_b final), optional attention, and the
    output layer over the target vocabulary (logits)."""

    def __init__(self, vocab_size, enc_dim, emb_dim=32, hidden=64, cell="gru", attention="general"):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, emb_dim, padding_idx=PAD)
        self.bridge = nn.Linear(enc_dim, hidden)
        self.rnn = _rnn(cell, emb_dim, hidden)
        self.attention = Attention(hidden, enc_dim, attention) if attention else None
        if attention:
            self.combine = nn.Linear(hidden + enc_dim, hidden)
        self.out = nn.Linear(hidden, vocab_size)
        self.cell = cell

    def init_state(self, final):
        h0 = self.bridge(final).tanh().unsqueeze(0)
        return (h0, ember.zeros_like(h0)) if self.cell == "lstm" else h0

    def forward(self, y_in, state, enc, mask):
        """Logits (N, T, V), the new state and the attention weights (or None) for the
        target prefix ``y_in`` (N, T)."""
        h, state = self.rnn(self.embedding(y_in), state)
        w = None
        if self.attention is not None:
            ctx, w = self.attention(h, enc, mask)
            h = self.combine(ember.cat([h, ctx], -1)).tanh()
        return self.out(h), state, w


def _select(state, idx):
    if isinstance(state, tuple):
        return tuple(s[:, idx] for s in state)
    return state[:, idx]


class Seq2Seq(nn.Module):
    """``forward(src, lengths, tgt_in)`` gives the logits of every target position. The
    decoder's state has the size of the encoder's outputs (2 * hidden when bidirectional),
    so every score, the dot product included, applies."""

    def __init__(self, src_vocab, tgt_vocab, emb_dim=32, hidden=64, cell="gru", attention="general",
                 bidirectional=True):
        super().__init__()
        self.config = dict(src_vocab=src_vocab, tgt_vocab=tgt_vocab, emb_dim=emb_dim, hidden=hidden, cell=cell,
                           attention=attention, bidirectional=bidirectional)
        self.encoder = Encoder(src_vocab, emb_dim, hidden, cell, bidirectional)
        self.decoder = Decoder(tgt_vocab, self.encoder.out_dim, emb_dim, self.encoder.out_dim, cell, attention)

    def encode(self, src, lengths):
        src = np.asarray(src)
        enc, final = self.encoder(ember.tensor(src), np.asarray(lengths))
        return enc, self.decoder.init_state(final), src == PAD

    def forward(self, src, lengths, tgt_in, teacher_forcing_ratio=1.0, generator=None):
        enc, state, mask = self.encode(src, lengths)
        tgt_in = np.asarray(tgt_in)
        if teacher_forcing_ratio >= 1:
            return self.decoder(ember.tensor(tgt_in), state, enc, mask)[0]
        g = _rng(generator)
        out, inp = [], tgt_in[:, :1]
        for t in range(tgt_in.shape[1]):
            logits, state, _ = self.decoder(ember.tensor(inp), state, enc, mask)
            out.append(logits)
            if t + 1 < tgt_in.shape[1]:
                own = logits.array[:, -1].argmax(-1)[:, None]
                inp = tgt_in[:, t + 1:t + 2] if g.random() < teacher_forcing_ratio else own
        return ember.cat(out, 1)


def _next_logp(logits):
    """Log-probabilities of the next token; padding and start symbols are never emitted."""
    lp = F.log_softmax(logits[:, -1], -1).array.copy()
    lp[:, [PAD, SOS]] = -np.inf
    return lp


def greedy_decode(model, src, lengths, max_len=20):
    """Arg-max decoding of a batch: (list of token lists without EOS, their total
    log-probabilities (N,))."""
    with ember.no_grad():
        enc, state, mask = model.encode(src, lengths)
        N = enc.shape[0]
        inp = np.full((N, 1), SOS)
        done = np.zeros(N, bool)
        toks, logp = [], np.zeros(N)
        for _ in range(max_len):
            logits, state, _ = model.decoder(ember.tensor(inp), state, enc, mask)
            lp = _next_logp(logits)
            nxt = lp.argmax(-1)
            logp += np.where(done, 0.0, lp[np.arange(N), nxt])
            toks.append(np.where(done, PAD, nxt))
            done |= nxt == EOS
            inp = nxt[:, None]
            if done.all():
                break
    seqs = []
    for row in np.stack(toks, 1).tolist():
        seqs.append(row[:row.index(EOS)] if EOS in row else row)
    return seqs, logp


def beam_search(model, src, lengths, beam_width=5, length_penalty=0.0, max_len=20):
    """Beam search for each source sequence: at each step every live prefix is extended by
    every token, and the ``beam_width`` best extensions by total log-probability are kept;
    an extension ending in EOS is finished. Stops when ``beam_width`` hypotheses have
    finished (or after ``max_len`` steps, when the live ones count as finished). Returns,
    per source, the finished :class:`Hypothesis` (tokens without EOS, log_prob, score =
    log_prob / (length incl. EOS) ** length_penalty), best score first."""
    if not isinstance(beam_width, int) or beam_width < 1:
        raise ValueError(f"beam_search: beam_width={beam_width!r} must be a positive int")
    src, lengths = np.asarray(src), np.asarray(lengths)
    results = []
    with ember.no_grad():
        for i in range(len(src)):
            enc, state, mask = model.encode(src[i:i + 1], lengths[i:i + 1])
            seqs, scores, finished = [[]], np.zeros(1), []
            for _ in range(max_len):
                B = len(seqs)
                e = enc.expand(B, *enc.shape[1:])
                logits, state, _ = model.decoder(ember.tensor(np.array([[s[-1] if s else SOS] for s in seqs])),
                                                 state, e, np.repeat(mask, B, 0))
                cand = (scores[:, None] + _next_logp(logits)).ravel()
                V = logits.shape[-1]
                order = np.argsort(-cand, kind="stable")[:beam_width]
                keep, new_seqs, new_scores = [], [], []
                for c in order:
                    b, tok = divmod(int(c), V)
                    if tok == EOS:
                        finished.append((seqs[b], float(cand[c])))
                    else:
                        keep.append(b)
                        new_seqs.append(seqs[b] + [tok])
                        new_scores.append(cand[c])
                if len(finished) >= beam_width or not keep:
                    break
                seqs, scores, state = new_seqs, np.array(new_scores), _select(state, np.array(keep))
            else:
                finished += [(s, float(sc)) for s, sc in zip(seqs, scores)]
            hyps = [Hypothesis(s, lp, lp / (len(s) + 1) ** length_penalty) for s, lp in finished]
            results.append(sorted(hyps, key=lambda h: -h.score))
    return results
