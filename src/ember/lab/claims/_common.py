"""Shared helpers for lab claims: data, small MLPs with a chosen init, a plain training
loop that survives divergence, statistics and plotting.

Claims build their experiments from these pieces so that each claim file reads as the
experiment itself. Everything takes a ``seed`` (or an ``ember.Generator``) so a claim
is reproducible; nothing here uses torch.

    >>> from ember.lab.claims._common import digits, make_mlp, fit, evaluate
    >>> Xtr, ytr, Xte, yte = digits(seed=0, n_train=300)
    >>> net = make_mlp(64, (32,), 10, activation="relu", init="he", seed=0)
    >>> hist = fit(net, Xtr, ytr, "sgd", lr=0.1, steps=20)
    >>> len(hist["loss"])
    20
"""
import contextlib
import math

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import ember  # noqa: E402
from ember import nn  # noqa: E402
import ember.nn.functional as F  # noqa: E402
from ember.nn import init as _init  # noqa: E402

__all__ = ["generator", "single_thread", "digits", "xor", "ACTIVATIONS", "make_mlp", "linear_layers",
           "init_linear_", "fit", "evaluate", "grad_norms", "mean_std", "finite", "figure", "plt"]


def generator(seed):
    """A fresh ``ember.Generator`` seeded with ``seed``."""
    return ember.Generator().manual_seed(int(seed))


@contextlib.contextmanager
def single_thread():
    """Limit BLAS to one thread. The lab's matrices are small; on a loaded 2-core machine
    a multi-threaded OpenBLAS makes a 1347x64 @ 64x64 matmul ~25x slower than one thread."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:          # pragma: no cover
        yield
        return
    with threadpool_limits(limits=1):
        yield


_DIGITS = {}


def digits(seed=0, n_train=None, n_test=None):
    """The 8x8 digits (pixels in [0, 1]) as ``(Xtr, ytr, Xte, yte)`` ember tensors: the
    stratified 1,347/450 split of ``ember.data.datasets.load_digits`` with ``random_state=seed``,
    optionally subsampled (without replacement, seeded) to ``n_train`` / ``n_test`` rows."""
    from ember.data import datasets
    key = int(seed)
    if key not in _DIGITS:
        Xtr, ytr = datasets.load_digits("train", random_state=key, return_X_y=True)
        Xte, yte = datasets.load_digits("test", random_state=key, return_X_y=True)
        _DIGITS[key] = (Xtr.data, ytr.data, Xte.data, yte.data)
    Xtr, ytr, Xte, yte = _DIGITS[key]
    rs = np.random.default_rng(key)
    if n_train is not None and n_train < len(ytr):
        idx = np.sort(rs.permutation(len(ytr))[:n_train])
        Xtr, ytr = Xtr[idx], ytr[idx]
    if n_test is not None and n_test < len(yte):
        idx = np.sort(rs.permutation(len(yte))[:n_test])
        Xte, yte = Xte[idx], yte[idx]
    return tuple(ember.tensor(a) for a in (Xtr, ytr, Xte, yte))


def xor(n, noise=0.3, seed=0):
    """``make_xor`` points (four noisy corners, label = sign(x0) xor sign(x1)) as ``(X, y)``."""
    from ember.data import datasets
    return datasets.make_xor(n, noise=noise, generator=generator(seed))


ACTIVATIONS = {
    "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "identity": nn.Identity,
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
}


def init_linear_(layer, init, g, gain_relu=None):
    """Re-initialise one ``nn.Linear`` in place.

    ``init``: ``None`` (keep ember's default, U(+-1/sqrt(fan_in)) like torch), ``"zeros"``,
    ``("constant", c)``, ``"normal"`` (N(0, 1)), ``("normal", std)``, ``"xavier"``
    (N(0, 1/fan_in), the notes' Xavier), ``"he"`` (N(0, 2/fan_in)), ``("scaled_he", k)``
    (k times He's std). Biases become zero except for ``None`` and ``("constant", c)``.
    """
    if init is None:
        return layer
    w = layer.weight
    fan_in = w.shape[1]
    name, arg = (init, None) if isinstance(init, str) else (init[0], init[1])
    if name == "zeros":
        _init.zeros_(w)
    elif name == "constant":
        _init.constant_(w, arg)
    elif name == "normal":
        _init.normal_(w, 0.0, 1.0 if arg is None else arg, generator=g)
    elif name == "xavier":
        _init.normal_(w, 0.0, math.sqrt(1.0 / fan_in), generator=g)
    elif name == "he":
        _init.normal_(w, 0.0, math.sqrt(2.0 / fan_in), generator=g)
    elif name == "scaled_he":
        _init.normal_(w, 0.0, arg * math.sqrt(2.0 / fan_in), generator=g)
    else:
        raise ValueError(f"init_linear_: unknown init {init!r}")
    if layer.bias is not None:
        if name == "constant":
            _init.constant_(layer.bias, arg)
        else:
            _init.zeros_(layer.bias)
    return layer


def make_mlp(in_features, hidden, out_features, activation="relu", init=None, batch_norm=False, seed=0,
             bias=True, dtype=None):
    """``Linear -> [BatchNorm1d] -> activation`` per hidden width, then a ``Linear`` head,
    every layer initialised from one seeded generator (see :func:`init_linear_`)."""
    g = generator(seed)
    act = ACTIVATIONS[activation]
    layers, prev = [], in_features
    for h in hidden:
        layers.append(init_linear_(nn.Linear(prev, h, bias=bias, dtype=dtype, generator=g), init, g))
        if batch_norm:
            layers.append(nn.BatchNorm1d(h, dtype=dtype) if dtype is not None else nn.BatchNorm1d(h))
        layers.append(act())
        prev = h
    layers.append(init_linear_(nn.Linear(prev, out_features, bias=bias, dtype=dtype, generator=g), init, g))
    return nn.Sequential(*layers)


def linear_layers(model):
    """The model's ``nn.Linear`` layers, input to output."""
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def grad_norms(model):
    """L2 norm of each Linear layer's weight gradient (input to output); NaN if none."""
    out = []
    for lin in linear_layers(model):
        g = lin.weight.grad
        out.append(float(np.sqrt((g.data.astype(np.float64) ** 2).sum())) if g is not None else float("nan"))
    return out


def finite(x):
    return bool(np.all(np.isfinite(np.asarray(x, dtype=np.float64))))


def _optimizer(name, params, lr, momentum=0.0):
    if name == "sgd":
        return ember.optim.SGD(params, lr=lr, momentum=momentum)
    if name == "adam":
        return ember.optim.Adam(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}")


def fit(model, X, y, optimizer="sgd", lr=0.1, steps=100, batch_size=None, seed=0, momentum=0.0,
        clip_norm=None, record_grads=False, loss_fn=None, on_step=None):
    """Train ``model`` on ``(X, y)`` for ``steps`` optimizer steps (full batch, or seeded
    mini-batches of ``batch_size`` drawn epoch by epoch) and return a dict:

    * ``loss``: training loss before each step (the first entry is the initial loss);
    * ``grad_norm``: total gradient norm before clipping at each step;
    * ``layer_grad_norms``: per-layer weight-gradient norms per step (``record_grads``);
    * ``diverged``: the step at which the loss or a gradient stopped being finite (training
      stops there; the remaining losses are ``nan``), else ``None``.

    ``optimizer`` is ``"sgd"``, ``"adam"`` or an ember optimizer instance.
    ``on_step(step, model)`` is called after each update.
    """
    opt = _optimizer(optimizer, model.parameters(), lr, momentum) if isinstance(optimizer, str) else optimizer
    loss_fn = loss_fn or F.cross_entropy
    params = [p for p in model.parameters() if p.requires_grad]
    rs = np.random.default_rng(int(seed))
    n = X.shape[0]
    order, pos = None, n
    hist = {"loss": [], "grad_norm": [], "layer_grad_norms": [], "diverged": None}
    model.train()
    with single_thread(), np.errstate(all="ignore"):
        for step in range(steps):
            if batch_size is None or batch_size >= n:
                xb, yb = X, y
            else:
                if pos + batch_size > n:
                    order, pos = rs.permutation(n), 0
                idx = order[pos:pos + batch_size]
                pos += batch_size
                xb, yb = X[idx], y[idx]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            lv = float(loss.item())
            hist["loss"].append(lv)
            if not math.isfinite(lv):
                hist["diverged"] = step
                break
            loss.backward()
            sq = sum(float((p.grad.data.astype(np.float64) ** 2).sum()) for p in params if p.grad is not None)
            gn = math.sqrt(sq) if math.isfinite(sq) else float("inf")
            hist["grad_norm"].append(gn)
            if record_grads:
                hist["layer_grad_norms"].append(grad_norms(model))
            if not math.isfinite(gn):
                hist["diverged"] = step
                break
            if clip_norm is not None:
                nn.utils.clip_grad_norm_(params, clip_norm)
            opt.step()
            if on_step is not None:
                on_step(step, model)
    hist["loss"] += [float("nan")] * (steps - len(hist["loss"]))
    return hist


def evaluate(model, X, y, loss_fn=None):
    """``(loss, accuracy)`` of ``model`` on ``(X, y)`` in eval mode, without a graph."""
    loss_fn = loss_fn or F.cross_entropy
    model.eval()
    with ember.no_grad(), single_thread(), np.errstate(all="ignore"):
        out = model(X)
        loss = float(loss_fn(out, y).item())
        acc = float((out.argmax(1) == y).float().mean().item())
    model.train()
    return loss, acc


def mean_std(values):
    """``(mean, std)`` of a list of numbers as floats (std with ddof=0; NaNs propagate)."""
    a = np.asarray(values, dtype=np.float64)
    return float(a.mean()), float(a.std())


def figure(ncols=1, nrows=1, size=(5.0, 3.6)):
    """A figure with a grid of axes (``squeeze``d like ``plt.subplots``)."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), squeeze=False)
    fig.set_layout_engine("constrained")
    return fig, (axes[0, 0] if ncols * nrows == 1 else axes.ravel())
