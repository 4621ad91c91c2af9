"""Generated text tasks: sequence reversal, addition ("123+45" -> "168"), date
normalisation (many human formats -> ISO 8601) and an n-gram classification task, plus
a character vocabulary with padding, start and end symbols."""
import datetime

import numpy as np

PAD, SOS, EOS = 0, 1, 2

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"]


class Vocab:
    """Characters <-> ids; ids 0, 1, 2 are padding, start and end of sequence."""

    def __init__(self, chars):
        self.itos = ["<pad>", "<s>", "</s>"] + sorted(set(chars))
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    def __len__(self):
        return len(self.itos)

    def encode(self, text):
        bad = sorted({c for c in text if c not in self.stoi})
        if bad:
            raise ValueError(f"Vocab.encode: characters {bad} of {text!r} are not in the vocabulary")
        return [self.stoi[c] for c in text]

    def decode(self, ids):
        out = []
        for i in ids:
            i = int(i)
            if i == EOS:
                break
            if i > EOS:
                out.append(self.itos[i])
        return "".join(out)

    def batch(self, texts, sos=False, eos=False):
        """(N, max_len) int64 ids padded with PAD, and the lengths."""
        seqs = [([SOS] if sos else []) + self.encode(t) + ([EOS] if eos else []) for t in texts]
        lengths = np.array([len(s) for s in seqs], dtype=np.int64)
        out = np.zeros((len(seqs), max(lengths.max(initial=0), 1)), dtype=np.int64)
        for i, s in enumerate(seqs):
            out[i, :len(s)] = s
        return out, lengths

    def state(self):
        return self.itos[3:]


def reversal_pairs(n, min_len=3, max_len=10, alphabet="abcdefghij", seed=0):
    """(s, s reversed) for random strings over ``alphabet``."""
    rng = np.random.default_rng(seed)
    letters = np.array(list(alphabet))
    out = []
    for _ in range(n):
        s = "".join(rng.choice(letters, rng.integers(min_len, max_len + 1)))
        out.append((s, s[::-1]))
    return out


def addition_pairs(n, max_digits=3, seed=0):
    """("a+b", "a+b evaluated") with operands of 1 to ``max_digits`` digits."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        a, b = (int(rng.integers(0, 10 ** int(rng.integers(1, max_digits + 1)))) for _ in range(2))
        out.append((f"{a}+{b}", str(a + b)))
    return out


def _ordinal(d):
    return f"{d}{'th' if 11 <= d % 100 <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(d % 10, 'th')}"


DATE_FORMATS = [
    lambda d: f"{MONTHS[d.month - 1]} {_ordinal(d.day)}, {d.year}",       # march 3rd, 1997
    lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",                 # march 3, 1997
    lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",                  # 3 march 1997
    lambda d: f"{MONTHS[d.month - 1][:3]} {d.day} {d.year}",              # mar 3 1997
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",                      # 03.03.1997
    lambda d: f"{d.month}/{d.day}/{d.year}",                              # 3/3/1997 (US)
    lambda d: f"{d.strftime('%A').lower()}, {MONTHS[d.month - 1]} {d.day}, {d.year}",   # monday, march 3, 1997
    lambda d: f"the {_ordinal(d.day)} of {MONTHS[d.month - 1]} {d.year}",  # the 3rd of march 1997
]


def date_pairs(n, seed=0, formats=None, years=(1950, 2050)):
    """(a date written in one of :data:`DATE_FORMATS`, its ISO form "YYYY-MM-DD")."""
    rng = np.random.default_rng(seed)
    fmts = [DATE_FORMATS[i] for i in (formats if formats is not None else range(len(DATE_FORMATS)))]
    start = datetime.date(years[0], 1, 1).toordinal()
    span = datetime.date(years[1], 1, 1).toordinal() - start
    out = []
    for _ in range(n):
        d = datetime.date.fromordinal(start + int(rng.integers(span)))
        out.append((fmts[int(rng.integers(len(fmts)))](d), d.isoformat()))
    return out


def task_vocabs(name):
    """(source vocabulary, target vocabulary) of a named task."""
    if name == "reversal":
        return Vocab("abcdefghij"), Vocab("abcdefghij")
    if name == "addition":
        return Vocab("0123456789+"), Vocab("0123456789")
    if name == "dates":
        return Vocab("abcdefghijklmnopqrstuvwxyz0123456789 ,./"), Vocab("0123456789-")
    raise ValueError(f"task_vocabs: task={name!r} must be one of {sorted(TASKS)}")


TASKS = {"reversal": reversal_pairs, "addition": addition_pairs, "dates": date_pairs}


def ngram_task(n, length=20, vocab_size=12, seed=0):
    """Token sequences labelled by which of three trigrams they contain (class 1: "3 1 4",
    class 2: "2 7 1", class 0: neither); a bag of words cannot tell them apart because
    every class has the same unigram distribution (the trigrams' tokens are also planted
    as decoys in shuffled order). Returns int64 tokens (n, length) and labels (n,)."""
    rng = np.random.default_rng(seed)
    grams = {1: [3, 1, 4], 2: [2, 7, 1]}
    X = rng.integers(5, vocab_size, (n, length))
    y = rng.integers(0, 3, n)
    half = length // 2
    if half < 3:
        raise ValueError(f"ngram_task: length={length} must be at least 6")
    for i in range(n):
        pos = [int(rng.integers(0, half - 2)), int(rng.integers(half, length - 2))]
        if rng.random() < 0.5:
            pos.reverse()                                   # either trigram may come first
        for p, c in zip(pos, (1, 2)):
            gram = grams[c]
            if y[i] == c:
                X[i, p:p + 3] = gram                        # the label's trigram, in order
            else:                                           # a decoy: the same tokens, shuffled
                X[i, p:p + 3] = gram
                while list(X[i, p:p + 3]) in (grams[1], grams[2]):
                    X[i, p:p + 3] = rng.permutation(gram)
    return X.astype(np.int64), y.astype(np.int64)
