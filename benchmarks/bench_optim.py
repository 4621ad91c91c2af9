"""Optimizer step time against torch.optim on CPU (interleaved, same threads, float32).

Two parameter sets, the same fixed gradients for both libraries:

* "big": an MLP-like set of 4 tensors, 1.1M values (memory-bound element-wise work);
* "many small": 200 tensors of 64 values (per-parameter overhead).

torch runs its default CPU path (single-tensor, ``foreach=False``).

    python benchmarks/bench_optim.py [--threads 2]
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import compare, report, set_threads  # noqa: E402

CONFIGS = [
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4)),
    ("Adagrad", dict()),
    ("Adadelta", dict()),
    ("RMSprop", dict(momentum=0.9, centered=True)),
    ("Adam", dict()),
    ("AdamW", dict(amsgrad=True)),
    ("NAdam", dict()),
]
SETS = {
    "big": [(1000, 1000), (1000,), (1000, 100), (100,)],
    "many small": [(64,)] * 200,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args()
    set_threads(args.threads)
    import torch

    import ember
    import ember.optim

    rng = np.random.default_rng(0)
    rows = []
    for set_name, shapes in SETS.items():
        init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        grads = [rng.standard_normal(s).astype(np.float32) * 1e-3 for s in shapes]
        for name, kwargs in CONFIGS:
            ep = [ember.tensor(a.copy(), requires_grad=True) for a in init]
            tp = [torch.tensor(a.copy(), requires_grad=True) for a in init]
            for p, g in zip(ep, grads):
                p.grad = ember.tensor(g)
            for p, g in zip(tp, grads):
                p.grad = torch.tensor(g)
            eo = getattr(ember.optim, name)(ep, **kwargs)
            to = getattr(torch.optim, name)(tp, **kwargs)
            label = f"{name}{'' if not kwargs else ' ' + ','.join(f'{k}={v}' for k, v in kwargs.items())}"
            rows.append(compare(f"{label} step, {set_name}", eo.step, to.step,
                                rounds=args.rounds, inner=5 if set_name == "big" else 10))
    report(rows, "optim", args.threads)


if __name__ == "__main__":
    main()
