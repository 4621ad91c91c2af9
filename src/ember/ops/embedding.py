"""Embedding lookup (the notes' word vectors): rows of a weight matrix picked by integer
indices; the gradient adds the output gradient into the picked rows (repeated indices
add up), never into ``padding_idx``'s row.
"""
import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import no_grad, state
from ._util import require_tensor, shape_str, _wrap
from .index import IndexScatter


class Embedding(Function):
    """``weight[indices]``; backward scatters the gradient into weight's rows, scaled per
    row (zero at padding_idx, 1/count with scale_grad_by_freq)."""

    @staticmethod
    def forward(ctx, weight, idx, scale):
        ctx.idx, ctx.scale, ctx.shape = idx, scale, weight.array.shape
        return weight.array[idx]

    @staticmethod
    def backward(ctx, g):
        D = ctx.shape[1]
        if not state.enabled:               # not recorded: scatter on the arrays
            out = np.zeros(ctx.shape, g.array.dtype)
            np.add.at(out, ctx.idx.reshape(-1), g.array.reshape(ctx.idx.size, D))
            if ctx.scale is not None:
                out *= ctx.scale
            return out, None, None
        gw = IndexScatter.apply(g.reshape(ctx.idx.size, D), (ctx.idx.reshape(-1),), True, ctx.shape)
        if ctx.scale is not None:
            gw = gw * _wrap(ctx.scale.astype(gw.dtype))
        return gw, None, None


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` (num_embeddings, embedding_dim) at the integer ``input`` indices
    (any shape); the result has shape input.shape + (embedding_dim,). ``padding_idx``'s row
    gets no gradient; ``max_norm`` renormalises (in place, as torch) the looked-up rows whose
    ``norm_type``-norm exceeds it; ``scale_grad_by_freq`` divides each row's gradient by how
    often it occurs in the batch. ``sparse`` is accepted (gradients are dense)."""
    op = "embedding"
    w = require_tensor(weight, op, "weight")
    if w.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got shape {shape_str(w.shape)}")
    idx = np.asarray(input.array if hasattr(input, "array") else input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: input must hold integer indices, got dtype {idx.dtype}")
    V = w.shape[0]
    if idx.size and (idx.min() < -V or idx.max() >= V):
        raise IndexError(f"{op}: input has indices in [{idx.min()}, {idx.max()}] but weight has "
                         f"{V} rows (num_embeddings={V})")
    idx = np.where(idx < 0, idx + V, idx)
    if padding_idx is not None:
        if not -V <= padding_idx < V:
            raise ValueError(f"{op}: padding_idx={padding_idx} must be within num_embeddings={V}")
        padding_idx %= V
    if max_norm is not None:
        rows = np.unique(idx)
        with no_grad():
            sub = w.array[rows]
            norms = np.linalg.norm(sub, ord=norm_type, axis=1, keepdims=True)
            scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
            w.array[rows] = sub * scale
    scale = None
    if padding_idx is not None or scale_grad_by_freq:
        scale = np.ones((V, 1), w.array.dtype)
        if scale_grad_by_freq:
            counts = np.bincount(idx.reshape(-1), minlength=V)
            scale[counts > 0, 0] = 1.0 / counts[counts > 0]
        if padding_idx is not None:
            scale[padding_idx] = 0
    return Embedding.apply(w, idx, scale)
