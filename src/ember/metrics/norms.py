"""Vector and matrix norms, and the condition number.

Conventions follow :func:`numpy.linalg.norm` with ``ord`` = 0, 1, 2:

* 1-d input, or ``axis`` an int: vector norms along that axis --
  ``l0 = #{i : x_i != 0}`` (a count, not a true norm), ``l1 = sum |x_i|``,
  ``l2 = sqrt(sum x_i^2)``;
* 2-d input with ``axis=None``, or ``axis`` a pair of ints: the *induced* matrix norms --
  ``l1 = max_j sum_i |A_ij|`` (largest absolute column sum), ``l2 = sigma_max(A)`` (largest
  singular value, the spectral norm). For the Frobenius norm use ``l2_norm(A.ravel())``.
  ``l0`` has no induced form; for a matrix it counts all non-zero entries.

``condition_number(A) = sigma_max(A) / sigma_min(A)`` (= :func:`numpy.linalg.cond`): how much the
relative error of ``b`` can grow in the solution of ``A x = b``. ``inf`` for a singular matrix.
"""
import numpy as np

__all__ = ["l0_norm", "l1_norm", "l2_norm", "condition_number"]


def _prepare(x, axis):
    x = np.asarray(x)
    if x.dtype.kind not in "biufc":
        raise ValueError(f"x must be numeric, got dtype {x.dtype}")
    x = x.astype(np.result_type(x.dtype, np.float64))
    if axis is None:
        if x.ndim == 1:
            return x, (0,), "vector"
        if x.ndim == 2:
            return x, (0, 1), "matrix"
        raise ValueError(f"Improper number of dimensions to norm: {x.ndim}; pass axis")
    if isinstance(axis, (int, np.integer)):
        if not -x.ndim <= axis < x.ndim:
            raise ValueError(f"axis {axis} is out of bounds for an array of dimension {x.ndim}")
        return x, (int(axis) % x.ndim,), "vector"
    axis = tuple(int(a) % x.ndim for a in axis)
    if len(axis) != 2 or axis[0] == axis[1]:
        raise ValueError(f"axis must be an int or a pair of distinct ints, got {axis!r}")
    return x, axis, "matrix"


def _keep(out, x, axes, keepdims):
    if keepdims:
        shape = list(x.shape)
        for a in axes:
            shape[a] = 1
        return np.reshape(out, shape)
    out = np.asarray(out)
    return float(out) if out.ndim == 0 else out


def l0_norm(x, axis=None, keepdims=False):
    """Number of non-zero entries (the "l0 norm").

    Examples
    --------
    >>> l0_norm([0, 3, 0, -1])
    2.0
    """
    x, axes, _ = _prepare(x, axis)
    return _keep(np.count_nonzero(x, axis=axes).astype(np.float64), x, axes, keepdims)


def l1_norm(x, axis=None, keepdims=False):
    """``sum |x_i|`` for vectors; largest absolute column sum for matrices.

    Examples
    --------
    >>> l1_norm([3, -4])
    7.0
    >>> l1_norm([[1, -2], [3, 4]])   # columns sum to 4 and 6
    6.0
    """
    x, axes, kind = _prepare(x, axis)
    a = np.abs(x)
    if kind == "vector":
        return _keep(np.sum(a, axis=axes[0]), x, axes, keepdims)
    r, c = axes
    colsum = np.sum(a, axis=r, keepdims=True)
    return _keep(np.max(colsum, axis=c, keepdims=True).squeeze(axis=axes), x, axes, keepdims)


def l2_norm(x, axis=None, keepdims=False):
    """Euclidean norm ``sqrt(sum x_i^2)`` for vectors; spectral norm ``sigma_max`` for matrices.

    Examples
    --------
    >>> l2_norm([3, -4])
    5.0
    >>> l2_norm([[2, 0], [0, 1]])
    2.0
    """
    x, axes, kind = _prepare(x, axis)
    if kind == "vector":
        a = np.abs(x) if np.iscomplexobj(x) else x
        return _keep(np.sqrt(np.sum((a * a.conj()).real, axis=axes[0])), x, axes, keepdims)
    moved = np.moveaxis(x, axes, (-2, -1))
    s = np.linalg.svd(moved, compute_uv=False)
    return _keep(s[..., 0], x, axes, keepdims)


def condition_number(A):
    """2-norm condition number ``sigma_max / sigma_min`` of a matrix (or a stack of them).

    Examples
    --------
    >>> condition_number([[1, 0], [0, 1e-3]])
    1000.0
    """
    A = np.asarray(A, dtype=np.result_type(np.asarray(A).dtype, np.float64))
    if A.ndim < 2:
        raise ValueError(f"condition_number needs a matrix, got an array of dimension {A.ndim}")
    if A.shape[-1] == 0 or A.shape[-2] == 0:
        raise ValueError(f"condition_number needs a non-empty matrix, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError("A contains NaN or infinity")
    s = np.linalg.svd(A, compute_uv=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = s[..., 0] / s[..., -1]
    c = np.where(np.isnan(c), np.inf, c)
    return float(c) if c.ndim == 0 else c
