"""Core autograd benchmarks against torch CPU (interleaved, same threads, float32):

* per-op overhead: a chain of 50 element-wise ops on a small tensor, forward + backward;
* a 1024x1024 matmul, forward + backward.

    python benchmarks/bench_core.py [--threads 2]
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import compare, report, set_threads  # noqa: E402


def chain(m, x):
    y = x
    for i in range(10):                 # 5 ops a round, 50 in all
        y = (y * 1.01 + 0.1).tanh() - y.sigmoid() * 0.5
        y = y.relu() if i % 2 else y.exp() * 0.1
    return y.sum()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=15)
    args = ap.parse_args()
    set_threads(args.threads)
    import torch
    import ember

    rng = np.random.default_rng(0)
    rows = []
    for size in (16, 1024):
        a = rng.standard_normal(size).astype(np.float32)
        xe = ember.tensor(a, requires_grad=True)
        xt = torch.tensor(a, requires_grad=True)

        def fe():
            xe.grad = None
            chain(ember, xe).backward()

        def ft():
            xt.grad = None
            chain(torch, xt).backward()
        rows.append(compare(f"50-op chain fwd+bwd, {size} elems", fe, ft, rounds=args.rounds, inner=20))

    A = rng.standard_normal((1024, 1024)).astype(np.float32)
    B = rng.standard_normal((1024, 1024)).astype(np.float32)
    ae, be = ember.tensor(A, requires_grad=True), ember.tensor(B, requires_grad=True)
    at, bt = torch.tensor(A, requires_grad=True), torch.tensor(B, requires_grad=True)

    def me():
        ae.grad = be.grad = None
        (ae @ be).sum().backward()

    def mt():
        at.grad = bt.grad = None
        (at @ bt).sum().backward()
    rows.append(compare("matmul 1024x1024 fwd+bwd", me, mt, rounds=args.rounds, inner=2))
    report(rows, "core", args.threads)


if __name__ == "__main__":
    main()
