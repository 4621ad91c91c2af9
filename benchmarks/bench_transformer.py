"""Transformer training-step benchmark against torch CPU (interleaved, same threads,
float32): a 2-layer TransformerEncoder (d_model 128, 4 heads, feed-forward 512, dropout
0.1, batch_first) on a batch of 32 sequences of length 64, mean-pooled into Linear(128, 10),
cross-entropy, Adam.

    python benchmarks/bench_transformer.py [--threads 2] [--rounds 15] [--profile]
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import adam_steps, compare, report, set_threads  # noqa: E402

D, HEADS, FF, SEQ, BATCH, LAYERS = 128, 4, 512, 64, 32, 2


def steps():
    import torch
    import ember
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SEQ, D)).astype(np.float32)
    y = rng.integers(0, 10, BATCH)
    ember.manual_seed(0)
    torch.manual_seed(0)

    def build(lib):
        nn = lib.nn

        class Classifier(nn.Module):          # encoder, mean over the sequence, Linear(10)
            def __init__(self):
                super().__init__()
                self.enc = nn.TransformerEncoder(
                    nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.1, batch_first=True), LAYERS)
                self.head = nn.Linear(D, 10)

            def forward(self, x):
                return self.head(self.enc(x).mean(1))
        return Classifier()

    return adam_steps(build(ember), build(torch), x, y, lr=1e-4)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--profile", action="store_true", help="cProfile 5 ember steps instead")
    args = ap.parse_args()
    set_threads(args.threads)
    se, st = steps()
    if args.profile:
        import cProfile
        import pstats
        se()
        cProfile.runctx("for _ in range(5): se()", globals(), locals(), "/tmp/bench_transformer.prof")
        pstats.Stats("/tmp/bench_transformer.prof").sort_stats("tottime").print_stats(25)
        return
    name = f"TransformerEncoder {LAYERS}x(d {D}, {HEADS} heads, ff {FF}), seq {SEQ}, batch {BATCH}, Adam"
    report([compare(name, se, st, rounds=args.rounds, inner=3)], "transformer", args.threads)


if __name__ == "__main__":
    main()
