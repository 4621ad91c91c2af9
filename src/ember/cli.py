"""The ``ember`` command line (also ``python -m ember``).

    ember demo            train a small network on scikit-learn's digits with raw autograd
    ember --version
"""
import argparse
import sys
import time


def _demo(args):
    """A two-layer network on the 8x8 digits written with nothing but tensors and autograd:
    the forward pass, softmax cross-entropy and a plain gradient-descent update."""
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    import ember

    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X / 16.0, y, test_size=0.25, random_state=args.seed, stratify=y)
    g = ember.Generator().manual_seed(args.seed)
    Xtr, Xte = ember.tensor(Xtr, dtype=ember.float32), ember.tensor(Xte, dtype=ember.float32)
    ytr, yte = ember.tensor(ytr), ember.tensor(yte)
    hidden = args.hidden
    W1 = (ember.randn(64, hidden, generator=g) * np.sqrt(2 / 64)).requires_grad_()
    b1 = ember.zeros(hidden, requires_grad=True)
    W2 = (ember.randn(hidden, 10, generator=g) * np.sqrt(1 / hidden)).requires_grad_()
    b2 = ember.zeros(10, requires_grad=True)
    params = [W1, b1, W2, b2]

    def forward(x):
        return (x @ W1 + b1).relu() @ W2 + b2

    t0 = time.perf_counter()
    n = Xtr.shape[0]
    for step in range(1, args.steps + 1):
        logits = forward(Xtr)
        loss = -logits.log_softmax(1)[ember.arange(n), ytr].mean()
        for p in params:
            p.grad = None
        loss.backward()
        with ember.no_grad():
            for p in params:
                p -= args.lr * p.grad
        if step % max(args.steps // 5, 1) == 0 or step == 1:
            print(f"step {step:4d}  loss {loss.item():.4f}")
    with ember.no_grad():
        acc = (forward(Xte).argmax(1) == yte).float().mean().item()
    print(f"test accuracy {acc:.4f}  ({time.perf_counter() - t0:.1f} s, {args.steps} full-batch steps)")
    return 0


def build_parser():
    import ember
    p = argparse.ArgumentParser(prog="ember", description="ember: deep learning and machine "
                                "learning from first principles on NumPy.")
    p.add_argument("--version", action="version", version=f"ember {ember.__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    d = sub.add_parser("demo", help="train a small network on the digits with raw autograd",
                       description=_demo.__doc__)
    d.add_argument("--steps", type=int, default=300, help="gradient-descent steps (default 300)")
    d.add_argument("--lr", type=float, default=0.5, help="learning rate (default 0.5)")
    d.add_argument("--hidden", type=int, default=64, help="hidden units (default 64)")
    d.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    d.set_defaults(func=_demo)
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
