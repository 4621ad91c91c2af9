"""The one helper module of the lab's claims: data, model builders, one training loop,
evaluation, statistics over seeds and figures.

Claim files import from here and never from each other, so each claim file reads as its
experiments. Everything takes a seed, so a claim is reproducible; nothing here uses torch
and nothing here touches matplotlib's backend (the runner chooses it, see
:mod:`ember.lab.runner`).

    >>> from ember.lab.claims._common import digits, make_mlp, fit, evaluate
    >>> Xtr, ytr, Xte, yte = digits(seed=0, n_train=300)
    >>> net = make_mlp(64, (32,), 10, activation="relu", init="he", seed=0)
    >>> hist = fit(net, Xtr, ytr, "sgd", lr=0.1, steps=20)
    >>> len(hist["loss"]), 0.0 <= evaluate(net, Xte, yte).accuracy <= 1.0
    (20, True)
"""
import contextlib
import math
from typing import NamedTuple

import numpy as np

import ember
from ember import nn
import ember.nn.functional as F
from ember.autograd import Tensor
from ember.nn import init as _init

__all__ = ["generator", "single_thread", "to_tensor", "digits", "stratified_subset", "xor", "ACTIVATIONS",
           "init_linear_", "make_mlp", "lenet5", "random_shift", "n_params", "linear_layers", "grad_norms",
           "finite", "fit", "Evaluation", "evaluate", "mean_std", "paired_difference", "figure"]


# ------------------------------------------------------------------------------------------
# randomness and threads
# ------------------------------------------------------------------------------------------

def generator(seed):
    """A fresh ``ember.Generator`` seeded with ``seed``."""
    return ember.Generator().manual_seed(int(seed))


@contextlib.contextmanager
def single_thread():
    """Limit BLAS to one thread (a context manager, or a decorator as ``@single_thread()``).

    The lab's matrices are small; on a loaded 2-core machine a multi-threaded OpenBLAS
    makes a 1347x64 @ 64x64 matmul ~25x slower than one thread."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:          # pragma: no cover  (threadpoolctl ships with scikit-learn)
        yield
        return
    with threadpool_limits(limits=1):
        yield


# ------------------------------------------------------------------------------------------
# data
# ------------------------------------------------------------------------------------------

def to_tensor(a):
    """``a`` as an ember tensor (a tensor is returned as is; arrays are made contiguous)."""
    return a if isinstance(a, Tensor) else ember.tensor(np.ascontiguousarray(a))


_DIGITS = {}


def digits(seed=0, n_train=None, n_test=None, images=False, tensors=True):
    """The 8x8 digits (pixels in [0, 1]) as ``(Xtr, ytr, Xte, yte)``.

    The stratified 1,347/450 split of ``ember.data.datasets.load_digits`` with
    ``random_state=seed``, optionally subsampled (without replacement, seeded by ``seed``,
    not stratified) to ``n_train`` / ``n_test`` rows. ``X`` has shape (N, 64), or
    (N, 1, 8, 8) with ``images=True``. Ember tensors, or numpy arrays with ``tensors=False``.
    """
    key = int(seed)
    if key not in _DIGITS:
        from ember.data import datasets
        Xtr, ytr = datasets.load_digits("train", random_state=key, return_X_y=True)
        Xte, yte = datasets.load_digits("test", random_state=key, return_X_y=True)
        _DIGITS[key] = (Xtr.array, ytr.array, Xte.array, yte.array)
    Xtr, ytr, Xte, yte = _DIGITS[key]
    rs = np.random.default_rng(key)
    if n_train is not None and n_train < len(ytr):
        idx = np.sort(rs.permutation(len(ytr))[:n_train])
        Xtr, ytr = Xtr[idx], ytr[idx]
    if n_test is not None and n_test < len(yte):
        idx = np.sort(rs.permutation(len(yte))[:n_test])
        Xte, yte = Xte[idx], yte[idx]
    if images:
        Xtr, Xte = Xtr.reshape(-1, 1, 8, 8), Xte.reshape(-1, 1, 8, 8)
    out = (Xtr, ytr, Xte, yte)
    return tuple(ember.tensor(a) for a in out) if tensors else out


def stratified_subset(y, n, rng, exclude=()):
    """Sorted indices of ``n`` samples with (as nearly as possible) equal counts per class,
    drawn with the numpy generator ``rng``, never any index in ``exclude``."""
    excl = set(int(i) for i in exclude)
    per = [rng.permutation([i for i in np.flatnonzero(y == c) if int(i) not in excl]) for c in np.unique(y)]
    out, k = [], 0
    while len(out) < n:
        for p in per:
            if k < len(p) and len(out) < n:
                out.append(int(p[k]))
        k += 1
    return np.array(sorted(out))


def xor(n, noise=0.3, seed=0):
    """``make_xor`` points (four noisy corners, label = sign(x0) xor sign(x1)) as ``(X, y)``."""
    from ember.data import datasets
    return datasets.make_xor(n, noise=noise, generator=generator(seed))


# ------------------------------------------------------------------------------------------
# models
# ------------------------------------------------------------------------------------------

ACTIVATIONS = {
    "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "identity": nn.Identity,
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
}


def init_linear_(layer, init, g):
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
             bias=True, dtype=None, dropout=(), dropout_scaling="inverted", dropout_seed=0, linear=nn.Linear):
    """An MLP ``[Dropout] -> Linear -> [BatchNorm1d] -> activation`` per hidden width, then
    ``[Dropout] -> Linear`` for the head; every ``Linear`` drawn in order from one generator
    seeded with ``seed``, then re-initialised by ``init`` (see :func:`init_linear_`).

    ``dropout[i]`` (when given and > 0) drops the input of the i-th Linear layer, with its own
    generator seeded ``100 * dropout_seed + i`` and the given ``scaling``. ``linear`` is the
    class used for the Linear layers (a subclass of ``nn.Linear``).
    """
    g = generator(seed)
    act = ACTIVATIONS[activation]
    sizes = [in_features, *hidden, out_features]
    layers = []
    for i in range(len(sizes) - 1):
        p = dropout[i] if i < len(dropout) else 0.0
        if p:
            layers.append(nn.Dropout(p, scaling=dropout_scaling, generator=generator(dropout_seed * 100 + i)))
        layers.append(init_linear_(linear(sizes[i], sizes[i + 1], bias=bias, dtype=dtype, generator=g), init, g))
        if i < len(sizes) - 2:
            if batch_norm:
                layers.append(nn.BatchNorm1d(sizes[i + 1], dtype=dtype) if dtype is not None
                              else nn.BatchNorm1d(sizes[i + 1]))
            layers.append(act())
    return nn.Sequential(*layers)


def lenet5(seed):
    """``ember.models.lenet5(input_size=8)`` (3x3 convolutions, one 2x2 max-pool, 42,794
    parameters) initialised from the global generator seeded with ``seed``."""
    ember.manual_seed(int(seed))
    return ember.models.lenet5(input_size=8)


def random_shift(seed):
    """A random shift of at most one pixel per image (``RandomCrop(8, padding=1)``, zero fill)."""
    from ember.data.transforms import RandomCrop
    return RandomCrop(8, padding=1, generator=generator(20_000 + int(seed)))


def n_params(model):
    """Number of parameter values of ``model``."""
    return int(sum(int(np.prod(p.shape)) for p in model.parameters()))


def linear_layers(model):
    """The model's ``nn.Linear`` layers, input to output."""
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def grad_norms(model):
    """L2 norm of each Linear layer's weight gradient (input to output); NaN if none."""
    out = []
    for lin in linear_layers(model):
        g = lin.weight.grad
        out.append(float(np.sqrt((g.array.astype(np.float64) ** 2).sum())) if g is not None else float("nan"))
    return out


def finite(x):
    return bool(np.all(np.isfinite(np.asarray(x, dtype=np.float64))))


# ------------------------------------------------------------------------------------------
# training and evaluation
# ------------------------------------------------------------------------------------------

def _optimizer(name, params, lr, momentum=0.0):
    if name == "sgd":
        return ember.optim.SGD(params, lr=lr, momentum=momentum)
    if name == "adam":
        return ember.optim.Adam(params, lr=lr)
    raise ValueError(f"fit: unknown optimizer {name!r} (use 'sgd', 'adam' or an optimizer instance)")


def fit(model, X, y, optimizer="sgd", lr=0.1, steps=None, epochs=None, batch_size=None, drop_last=False, seed=0,
        momentum=0.0, clip_norm=None, record_grads=False, loss_fn=None, transform=None, on_step=None,
        on_epoch=None):
    """Train ``model`` on ``(X, y)`` for ``steps`` optimizer steps or ``epochs`` epochs (give
    one of the two) and return a history dict.

    Batches: ``batch_size=None`` is the whole set, in its order, at every step (an epoch is
    one step); otherwise each epoch draws a permutation from
    ``np.random.default_rng(seed)`` and walks it in ``batch_size`` pieces, the last shorter
    piece dropped with ``drop_last``. ``X`` is a tensor or an array; ``transform`` (e.g. an
    augmentation) is applied to each batch of ``X`` before it becomes a tensor.

    History: ``loss`` (the training loss before each step; ``nan``-padded to ``steps``
    after a divergence), ``grad_norm`` (total gradient norm before clipping),
    ``layer_grad_norms`` (per-layer weight-gradient norms, with ``record_grads``),
    ``diverged`` (the step at which the loss or the gradient stopped being finite: training
    stops there; else ``None``).

    ``optimizer`` is ``"sgd"`` (with ``momentum``), ``"adam"`` or an ember optimizer;
    ``loss_fn(output, target)`` defaults to cross-entropy; ``clip_norm`` clips the total
    gradient norm. ``on_step(step, model)`` is called after each update and
    ``on_epoch(epoch, model)`` after each complete epoch.
    """
    if (steps is None) == (epochs is None):
        raise ValueError("fit: give exactly one of steps= and epochs=")
    opt = _optimizer(optimizer, model.parameters(), lr, momentum) if isinstance(optimizer, str) else optimizer
    loss_fn = loss_fn or F.cross_entropy
    params = [p for p in model.parameters() if p.requires_grad]
    y = to_tensor(y)
    n = y.shape[0]
    rng = np.random.default_rng(int(seed))
    hist = {"loss": [], "grad_norm": [], "layer_grad_norms": [], "diverged": None}
    step, epoch = 0, 0
    with single_thread(), np.errstate(all="ignore"):
        while (epochs is None or epoch < epochs) and (steps is None or step < steps) and hist["diverged"] is None:
            model.train()
            if batch_size is None:
                batches = [None]
            else:
                perm = rng.permutation(n)
                batches = [perm[i:i + batch_size] for i in range(0, n - batch_size + 1 if drop_last else n, batch_size)]
            for idx in batches:
                if steps is not None and step == steps:
                    break
                xb, yb = (X, y) if idx is None else (X[idx], y[idx])
                xb = to_tensor(xb if transform is None else transform(xb))
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                lv = float(loss.item())
                hist["loss"].append(lv)
                if not math.isfinite(lv):
                    hist["diverged"] = step
                    break
                loss.backward()
                sq = sum(float((p.grad.array.astype(np.float64) ** 2).sum()) for p in params if p.grad is not None)
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
                step += 1
            else:
                if on_epoch is not None:
                    on_epoch(epoch, model)
            epoch += 1
    if steps is not None:
        hist["loss"] += [float("nan")] * (steps - len(hist["loss"]))
    return hist


class Evaluation(NamedTuple):
    loss: float            # mean loss
    accuracy: float        # fraction of correct argmax predictions, exactly k/n (float64)
    pred: np.ndarray       # predicted labels


def evaluate(model, X, y, loss_fn=None):
    """Loss, accuracy and predictions of ``model`` on ``(X, y)`` (tensors or arrays) in eval
    mode, without a graph; the model is left in the mode it was in."""
    loss_fn = loss_fn or F.cross_entropy
    was_training = model.training
    y = to_tensor(y)
    model.eval()
    try:
        with ember.no_grad(), single_thread(), np.errstate(all="ignore"):
            out = model(to_tensor(X))
            loss = float(loss_fn(out, y).item())
    finally:
        model.train(was_training)
    pred = out.array.argmax(1)
    return Evaluation(loss, float((pred == y.array).mean()), pred)


# ------------------------------------------------------------------------------------------
# statistics over seeds
# ------------------------------------------------------------------------------------------

def mean_std(values):
    """``(mean, std)`` of one measurement repeated over seeds, as floats.

    The std is the sample standard deviation (``ddof=1``): the seeds are a sample of the
    runs one could make, and the lab's "mean +- std" says how far another seed's run may
    land; with the 3-8 seeds of a full-mode claim the population formula (``ddof=0``)
    would understate that spread by 6-18%. It is also the std behind the standard errors
    the claims compare with (:func:`paired_difference`). One value has no measured spread:
    its std is reported as 0.0 (read it with the seed count the claim reports). NaNs
    propagate.
    """
    a = np.asarray(values, dtype=np.float64)
    return float(a.mean()), (float(a.std(ddof=1)) if a.size > 1 else 0.0)


def paired_difference(diffs):
    """``(mean, std, standard error)`` of paired differences over seeds (std with
    ``ddof=1`` as in :func:`mean_std`, standard error = std / sqrt(n)); std and standard
    error are NaN for a single pair (no spread can be measured)."""
    d = np.asarray(diffs, dtype=np.float64)
    if d.size < 2:
        return float(d.mean()), float("nan"), float("nan")
    sd = float(d.std(ddof=1))
    return float(d.mean()), sd, sd / math.sqrt(d.size)


# ------------------------------------------------------------------------------------------
# figures
# ------------------------------------------------------------------------------------------

def figure(ncols=1, nrows=1, size=(5.0, 3.6), figsize=None, **subplot_kw):
    """A figure with a grid of axes and the constrained layout, ``(fig, axes)`` squeezed like
    ``plt.subplots`` (one Axes, a 1-D array for one row or column, else 2-D). The panel
    ``size`` is per axes; ``figsize`` overrides the whole figure's size. Uses pyplot but
    never chooses a backend: the runner does."""
    import matplotlib.pyplot as plt
    if figsize is None:
        figsize = (size[0] * ncols, size[1] * nrows)
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, **subplot_kw)
    fig.set_layout_engine("constrained")
    return fig, axes
