"""Products: ``matmul`` (and ``mm``, ``bmm``, ``dot``, ``outer``), ``einsum`` and the fused
affine map ``linear`` (the notes' Affine layer, ``y = x W^T + b``).

Backward of a product is a product: dA = dC B^T, dB = A^T dC, written with ``matmul`` so
it can be differentiated again.
"""
import string
from collections import Counter

import numpy as np

from ..autograd.function import Function
from ._util import require_tensor, shape_str
from ._util import to_tensor as _tensor
from .math import cast, mul
from .shape import broadcast_to, reshape, squeeze, unsqueeze


class Matmul(Function):
    """C = A B over the last two dimensions (batch dimensions broadcast);
    dA = dC B^T, dB = A^T dC."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
            return np.matmul(a.array, b.array)
        except ValueError:
            raise ValueError(f"matmul: batch dimensions of shapes {shape_str(a.array.shape)} and "
                             f"{shape_str(b.array.shape)} are not broadcastable") from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return matmul(g, b.mT) if need_a else None, matmul(a.mT, g) if need_b else None


def matmul(input, other):
    """Matrix product with NumPy/PyTorch semantics: 1-D vectors are promoted (and the added
    dimension removed), leading dimensions broadcast as batches.
    Backward: dA = dC B^T, dB = A^T dC (summed over broadcast batch dimensions)."""
    a = _tensor(input, "matmul")
    b = _tensor(other, "matmul", "other")
    ad, bd = a.array, b.array
    if ad.ndim == 0 or bd.ndim == 0:
        raise ValueError(f"matmul: both arguments need at least one dimension, got shapes "
                         f"{shape_str(ad.shape)} and {shape_str(bd.shape)}")
    k_a = ad.shape[-1]
    k_b = bd.shape[-2] if bd.ndim > 1 else bd.shape[0]
    if k_a != k_b:
        raise ValueError(f"matmul: shapes {shape_str(ad.shape)} and {shape_str(bd.shape)} cannot be "
                         f"multiplied ({k_a} != {k_b}: the last dimension of input must equal "
                         f"the {'second-to-last' if bd.ndim > 1 else 'only'} dimension of other)")
    if ad.ndim == 1 or bd.ndim == 1:
        out = matmul(unsqueeze(a, 0) if ad.ndim == 1 else a, unsqueeze(b, -1) if bd.ndim == 1 else b)
        if ad.ndim == 1:
            out = squeeze(out, -2)
        if bd.ndim == 1:
            out = squeeze(out, -1)
        return out
    if ad.dtype != bd.dtype:
        dt = np.result_type(ad.dtype, bd.dtype)
        a, b = cast(a, dt), cast(b, dt)
    return Matmul.apply(a, b)


def mm(input, mat2):
    a, b = _tensor(input, "mm"), _tensor(mat2, "mm", "mat2")
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"mm: expected 2-D tensors, got shapes {shape_str(a.shape)} and {shape_str(b.shape)}")
    return matmul(a, b)


def bmm(input, mat2):
    a, b = _tensor(input, "bmm"), _tensor(mat2, "bmm", "mat2")
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise ValueError(f"bmm: expected 3-D tensors with the same batch size, got shapes "
                         f"{shape_str(a.shape)} and {shape_str(b.shape)}")
    return matmul(a, b)


def dot(input, other):
    a, b = _tensor(input, "dot"), _tensor(other, "dot", "other")
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"dot: expected 1-D tensors, got shapes {shape_str(a.shape)} and {shape_str(b.shape)}")
    return matmul(a, b)


def outer(input, vec2):
    return mul(unsqueeze(_tensor(input, "outer"), 1), unsqueeze(_tensor(vec2, "outer", "vec2"), 0))


# ---------------------------------------------------------------------------------------
# einsum
# ---------------------------------------------------------------------------------------
def _parse_einsum(equation, shapes):
    eq = equation.replace(" ", "")
    lhs, rhs = eq.split("->") if "->" in eq else (eq, None)
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: equation {equation!r} has {len(terms)} operands but "
                         f"{len(shapes)} tensors were given")
    used = {c for c in eq if c.isalpha()}
    free = [c for c in string.ascii_letters if c not in used]
    n_ell = 0
    for t, shp in zip(terms, shapes):
        if "..." in t:
            n_ell = max(n_ell, len(shp) - (len(t) - 3))
    ell = "".join(free[:n_ell])
    out_terms = []
    for t, shp in zip(terms, shapes):
        if "..." in t:
            k = len(shp) - (len(t) - 3)
            t = t.replace("...", ell[n_ell - k:])
        if len(t) != len(shp):
            raise ValueError(f"einsum: term {t!r} has {len(t)} subscripts but the tensor has "
                             f"{len(shp)} dimensions (shape {shape_str(shp)})")
        out_terms.append(t)
    if rhs is None:
        counts = Counter("".join(out_terms))
        rhs = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    else:
        rhs = rhs.replace("...", ell)
    return out_terms, rhs


class Einsum(Function):
    """Einstein summation; the gradient of each operand is the einsum of the output
    gradient with the other operands (broadcast over subscripts they lack)."""

    @staticmethod
    def forward(ctx, terms, rhs, *ts):
        ctx.terms, ctx.rhs = terms, rhs
        ctx.save_for_backward(*ts)
        eq = ",".join(terms) + "->" + rhs
        dt = np.result_type(*[t.array.dtype for t in ts])
        try:
            return np.einsum(eq, *[t.array.astype(dt, copy=False) for t in ts], optimize=len(ts) > 2)
        except ValueError as e:
            raise ValueError(f"einsum: {eq!r} does not fit shapes "
                             f"{', '.join(shape_str(t.array.shape) for t in ts)}: {e}") from None

    @staticmethod
    def backward(ctx, g):
        ops = ctx.saved_tensors
        terms, rhs = ctx.terms, ctx.rhs
        grads = [None, None]
        for i, (t, need) in enumerate(zip(terms, ctx.needs_input_grad[2:])):
            if not need:
                grads.append(None)
                continue
            if len(set(t)) != len(t):
                raise NotImplementedError(
                    f"einsum backward: repeated subscripts in one operand ({t!r}, a diagonal or "
                    f"trace) are not supported")
            others = [terms[j] for j in range(len(terms)) if j != i]
            avail = set(rhs).union(*others) if others else set(rhs)
            kept = "".join(c for c in t if c in avail)
            gi = Einsum.apply(([rhs] + others), kept, g, *[ops[j] for j in range(len(ops)) if j != i])
            if kept != t:
                shp = ops[i].array.shape
                gi = broadcast_to(reshape(gi, tuple(shp[k] if c in avail else 1 for k, c in enumerate(t))), shp)
            grads.append(gi)
        return tuple(grads)


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``. The gradient of each
    operand is the einsum of the output gradient with the other operands."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ts = [_tensor(o, "einsum", f"operands[{i}]") for i, o in enumerate(operands)]
    terms, rhs = _parse_einsum(equation, [t.array.shape for t in ts])
    return Einsum.apply(terms, rhs, *ts)


# ---------------------------------------------------------------------------------------
# linear
# ---------------------------------------------------------------------------------------
class Linear(Function):
    """y = x W^T + b; dx = dy W, dW = dy^T x (over all leading dimensions), db = sum of dy."""
    array_backward = True

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        xd = x.array
        if xd.ndim > 2:     # one GEMM over all leading dims (np.matmul would loop over them)
            out = np.matmul(xd.reshape(-1, xd.shape[-1]), w.array.T).reshape(*xd.shape[:-1], w.array.shape[0])
        else:
            out = np.matmul(xd, w.array.T)
        if b is not None:
            out += b.array
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])
        gx = (g2 @ w).reshape(*g.shape[:-1], w.shape[-1]) if need_x else None
        gw = g2.T @ (x if x.ndim == 2 else x.reshape(-1, x.shape[-1])) if need_w else None
        gb = g2.sum(0) if need_b else None
        return gx, gw, gb


def linear(input, weight, bias=None):
    """y = x W^T + b (the notes' Affine layer); ``weight`` has shape (out_features, in_features).
    Backward: dx = dy W, dW = dy^T x, db = sum of dy over the batch."""
    x = require_tensor(input, "linear")
    w = require_tensor(weight, "linear", "weight")
    xd, wd = x.array, w.array
    if xd.ndim < 1 or xd.shape[-1] != wd.shape[-1]:
        raise ValueError(f"linear: input shape {tuple(x.shape)} does not match weight shape "
                         f"{tuple(w.shape)}: the last dimension of input must be in_features={w.shape[-1]}")
    if xd.dtype != wd.dtype:
        x = cast(x, wd.dtype)
    if bias is not None and bias.array.shape != wd.shape[:1]:
        raise ValueError(f"linear: bias shape {tuple(bias.shape)} must be ({w.shape[0]},)")
    return Linear.apply(x, w, bias)

