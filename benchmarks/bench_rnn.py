"""Recurrent training-step benchmarks against torch CPU (interleaved, same threads, float32):
an LSTM (or GRU) classifier, T=32 steps of 64 features, hidden 128, batch 64; the last
hidden state -> Linear(10), cross-entropy, Adam; one full training step (forward, backward,
update). Issue 11's target: ember >= 0.7x torch's throughput on the LSTM.

    python benchmarks/bench_rnn.py [--threads 2] [--rounds 15] [--inner 5]
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import adam_steps, compare, report, set_threads  # noqa: E402

T, I, H, B, K = 32, 64, 128, 64, 10


def steps(kind):
    import torch
    import ember
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, B, I)).astype(np.float32)
    y = rng.integers(0, K, B)
    ember.manual_seed(0)
    torch.manual_seed(0)

    def build(nn):
        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = getattr(nn, kind)(I, H)
                self.fc = nn.Linear(H, K)

            def forward(self, x):
                _, h = self.rnn(x)
                h = h[0] if isinstance(h, tuple) else h
                return self.fc(h[-1])
        return Classifier()
    return adam_steps(build(ember.nn), build(torch.nn), x, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS/torch threads (default 1: on a shared 2-core machine two threads "
                         "made the small per-step products of both libraries 10-20x slower)")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--inner", type=int, default=5)
    ap.add_argument("--kinds", default="LSTM,GRU")
    args = ap.parse_args()
    set_threads(args.threads)
    rows = []
    for kind in args.kinds.split(","):
        se, st = steps(kind)
        rows.append(compare(f"{kind} classifier T={T} in={I} hidden={H} batch={B}, Adam step",
                            se, st, rounds=args.rounds, inner=args.inner))
    report(rows, "rnn", args.threads)


if __name__ == "__main__":
    main()
