"""MLP training-step benchmarks against torch CPU (interleaved, same threads, float32, Adam):

* a tiny MLP 10-32-2 at batch 16 (per-op overhead dominates);
* an MLP 784-512-512-10 with ReLU at batch 128.

    python benchmarks/bench_mlp.py [--threads 2] [--rounds 15]
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import adam_steps, compare, report, set_threads  # noqa: E402


def steps(sizes, batch):
    import torch
    import ember
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch)
    ember.manual_seed(0)
    torch.manual_seed(0)

    def build(nn):
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        return nn.Sequential(*layers[:-1])
    return adam_steps(build(ember.nn), build(torch.nn), x, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    set_threads(args.threads)
    rows = []
    for name, sizes, batch, inner in (("tiny MLP 10-32-2, batch 16, Adam", (10, 32, 2), 16, 200),
                                      ("MLP 784-512-512-10, batch 128, Adam", (784, 512, 512, 10), 128, 10)):
        se, st = steps(sizes, batch)
        rows.append(compare(name, se, st, rounds=args.rounds, inner=inner))
    report(rows, "mlp", args.threads)


if __name__ == "__main__":
    main()
