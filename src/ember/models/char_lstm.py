"""A character-level LSTM language model (the notes' RNN language model): embeddings ->
LSTM -> Linear over the characters, trained with truncated backpropagation through time,
sampled with a temperature.

Truncated BPTT, the recipe: cut the text into ``batch_size`` parallel streams, walk them in
windows of ``bptt`` characters, and carry the LSTM state from one window to the next
*detached* (:func:`detach_state`), so the forward pass sees the whole history while the
backward pass stops after ``bptt`` steps (memory and time stay O(bptt))::

    state = None
    for x, y in tbptt_windows(ids, batch_size, bptt):    # (bptt, B) inputs and next characters
        logits, state = model(x, state)
        loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        opt.zero_grad(); loss.backward(); opt.step()
        state = detach_state(state)                      # cut the graph here

    ember train --model char-lstm [--text FILE] --epochs 30 --out runs/char
    ember generate --checkpoint runs/char/model.safetensors --prime "The " --temperature 0.8
"""
import math
from pathlib import Path

import numpy as np

from .. import creation, nn, optim
from ..autograd.grad_mode import no_grad
from ..nn import functional as F
from ..random import manual_seed, rng
from ..serialization import load_checkpoint, save_checkpoint

__all__ = ["CharVocab", "CharLSTM", "detach_state", "tbptt_windows", "train_char_lm", "sample",
           "train_task", "add_parser"]


class CharVocab:
    """The characters of a text, sorted; ``encode`` / ``decode`` between strings and ids."""

    def __init__(self, chars):
        self.chars = "".join(sorted(set(chars)))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        missing = sorted(set(text) - set(self.index))
        if missing:
            raise ValueError(f"CharVocab.encode: characters {''.join(missing)!r} are not in the vocabulary "
                             f"{self.chars!r}")
        return np.array([self.index[c] for c in text], dtype=np.int64)

    def decode(self, ids):
        return "".join(self.chars[int(i)] for i in ids)


class CharLSTM(nn.Module):
    """Embedding(vocab, embed_dim) -> LSTM(hidden_size, num_layers) -> Linear(vocab);
    ``forward(ids (T, B), state)`` returns logits (T, B, vocab) and the new state."""

    def __init__(self, vocab_size, embed_dim=32, hidden_size=128, num_layers=1, dropout=0.0):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size, num_layers, dropout=dropout)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, ids, state=None):
        out, state = self.lstm(self.embed(ids), state)
        return self.head(out), state


def detach_state(state):
    """The recurrent state (a tensor, or a tuple such as LSTM's (h, c)) cut from its graph:
    what truncated BPTT does between windows."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(detach_state(s) for s in state)
    return state.detach()


def tbptt_windows(ids, batch_size, bptt):
    """Consecutive (inputs, targets) windows of shape (bptt, batch_size) (the last may be
    shorter) over ``batch_size`` parallel streams of the id sequence: window k of stream b
    continues window k-1 of stream b, so the carried state stays meaningful."""
    ids = np.asarray(ids)
    n = (len(ids) - 1) // batch_size
    if n < 1:
        raise ValueError(f"tbptt_windows: a text of {len(ids)} characters is too short for "
                         f"batch_size={batch_size}")
    x = ids[:n * batch_size].reshape(batch_size, n).T
    y = ids[1:n * batch_size + 1].reshape(batch_size, n).T
    for s in range(0, n, bptt):
        yield creation.tensor(x[s:s + bptt]), creation.tensor(y[s:s + bptt])


def _bits_per_char(model, ids, batch_size, bptt):
    model.eval()
    total, count, state = 0.0, 0, None
    with no_grad():
        for x, y in tbptt_windows(ids, batch_size, bptt):
            logits, state = model(x, state)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                                     reduction="sum").item()
            count += y.numel()
    model.train()
    return total / count / math.log(2)


def train_char_lm(text=None, *, embed_dim=32, hidden_size=128, num_layers=1, epochs=20, bptt=32,
                  batch_size=16, lr=3e-3, clip=1.0, seed=0, log=None):
    """Train a :class:`CharLSTM` on ``text`` (default: the small text shipped with ember) with
    truncated BPTT and Adam; returns (model, vocab, history) where history has the training
    loss of every window and the bits per character of the text after each epoch."""
    from ._corpus import TEXT
    text = TEXT if text is None else text
    vocab = CharVocab(text)
    ids = vocab.encode(text)
    manual_seed(seed)
    model = CharLSTM(len(vocab), embed_dim, hidden_size, num_layers)
    opt = optim.Adam(model.parameters(), lr=lr)
    history = {"loss": [], "bits_per_char": []}
    V = len(vocab)
    for epoch in range(epochs):
        state = None
        for x, y in tbptt_windows(ids, batch_size, bptt):
            logits, state = model(x, state)
            loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            if clip:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            state = detach_state(state)
            history["loss"].append(loss.item())
        history["bits_per_char"].append(_bits_per_char(model, ids, batch_size, bptt))
        if log:
            log(f"epoch {epoch + 1:3d}  bits/char {history['bits_per_char'][-1]:.3f}")
    return model, vocab, history


def sample(model, vocab, prime="The ", length=200, temperature=1.0, generator=None):
    """Feed ``prime`` and then draw ``length`` characters one at a time from
    softmax(logits / temperature); temperature 0 takes the most likely character (greedy).
    Low temperatures give safe, repetitive text; high ones, more varied and more errors."""
    if temperature < 0:
        raise ValueError(f"sample: temperature={temperature} must be >= 0")
    if not prime:
        raise ValueError("sample: prime must hold at least one character")
    g = rng(generator)
    model.eval()
    out = []
    with no_grad():
        logits, state = model(creation.tensor(vocab.encode(prime)[:, None]))
        for _ in range(length):
            z = logits.array[-1, 0].astype(np.float64)
            if temperature == 0:
                i = int(z.argmax())
            else:
                p = np.exp((z - z.max()) / temperature)
                i = int(g.choice(len(p), p=p / p.sum()))
            out.append(i)
            logits, state = model(creation.tensor(np.array([[i]])), state)
    model.train()
    return prime + vocab.decode(out)


def train_task(args):
    """``ember train --model char-lstm [--text FILE]``: train, save the checkpoint and a sample."""
    text = Path(args.text).read_text(encoding="utf-8") if getattr(args, "text", None) else None
    hidden = args.hidden[0] if isinstance(args.hidden, (list, tuple)) else int(str(args.hidden).split(",")[0])
    model, vocab, hist = train_char_lm(text, hidden_size=hidden, epochs=args.epochs, lr=args.lr,
                                       batch_size=min(args.batch_size, 16), seed=args.seed,
                                       clip=args.clip_grad_norm or 1.0, log=print)
    out = Path(args.out or "runs/char-lstm")
    out.mkdir(parents=True, exist_ok=True)
    config = {"vocab": vocab.chars, "embed_dim": model.embed.embedding_dim, "hidden_size": hidden,
              "num_layers": model.lstm.num_layers, "bits_per_char": hist["bits_per_char"][-1]}
    save_checkpoint(out / "model.safetensors", model.state_dict(), config=config)
    print(sample(model, vocab, length=200, temperature=0.8, generator=np.random.default_rng(args.seed)))
    print(f"saved {out / 'model.safetensors'} (bits/char {hist['bits_per_char'][-1]:.3f})")
    return 0


def _generate(args):
    ckpt = load_checkpoint(args.checkpoint)
    c = ckpt.get("config") or {}
    if "vocab" not in c:
        raise SystemExit(f"ember generate: {args.checkpoint} is not a char-lstm checkpoint (no vocab in its config)")
    vocab = CharVocab(c["vocab"])
    model = CharLSTM(len(vocab), int(c["embed_dim"]), int(c["hidden_size"]), int(c["num_layers"]))
    model.load_state_dict(ckpt["model"])
    try:
        text = sample(model, vocab, args.prime, args.length, args.temperature, np.random.default_rng(args.seed))
    except ValueError as e:
        raise SystemExit(f"ember generate: {e}")
    print(text)
    return 0


def add_parser(sub):
    """The ``ember generate`` command."""
    p = sub.add_parser("generate", help="sample text from a char-lstm checkpoint (ember train --model char-lstm)")
    p.add_argument("--checkpoint", required=True, help="path to model.safetensors")
    p.add_argument("--prime", default="The ", help="text to start from (default 'The ')")
    p.add_argument("--length", type=int, default=300, help="characters to generate (default 300)")
    p.add_argument("--temperature", type=float, default=0.8,
                   help="sampling temperature (default 0.8; 0 = always the most likely character)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.set_defaults(func=_generate)
