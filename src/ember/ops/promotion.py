"""PyTorch's type promotion: which dtype an op on mixed operands computes in.

NumPy and PyTorch agree within a category (bool < integer < floating < complex: uint8 and
int8 give int16, float16 and float32 give float32) and disagree across them: NumPy widens
float32 with int64 to float64, torch keeps float32 (the float operand's dtype wins
whatever the integer's width). torch also ranks operands: a tensor with dimensions
outranks a 0-d tensor, which outranks a Python number, and a lower-ranked operand only
changes the dtype when it is of a higher category (``float32 tensor * float64 0-d tensor``
is float32; ``int64 tensor * 2.5`` is the default float dtype).

    >>> import ember
    >>> (ember.ones(2) * ember.tensor([1, 2])).dtype
    dtype('float32')
    >>> ember.result_type(ember.tensor([1, 2]), 2.5)
    dtype('float32')
"""
import numbers

import numpy as np

from ..autograd.tensor import Tensor, get_default_dtype

__all__ = ["promote_types", "result_type", "can_cast"]

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def promote_types(type1, type2):
    """The smallest dtype that both ``type1`` and ``type2`` convert to without leaving the
    higher category (``torch.promote_types``)."""
    a, b = np.dtype(type1), np.dtype(type2)
    if a == b:
        return a
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca == cb or (ca >= 2 and cb >= 2):      # same category, or float with complex: NumPy's rule
        return np.promote_types(a, b)
    return a if ca > cb else b


def _combine(higher, lower):
    """torch's ``combine_categories``: ``lower`` (an operand of lower rank) changes the
    result only where it is of a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    ch, cl = _CATEGORY[higher.kind], _CATEGORY[lower.kind]
    if ch == 3:
        return higher
    if cl == 3:
        return np.promote_types(higher, np.complex64) if ch == 2 else lower
    if ch == 2:
        return higher
    if ch == 0 or cl == 2:
        return promote_types(higher, lower)
    return higher


def _scalar_dtype(x):
    if isinstance(x, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(x, numbers.Integral):
        return np.dtype(np.int64)
    if isinstance(x, numbers.Real):
        return get_default_dtype()
    if isinstance(x, numbers.Complex):
        return np.dtype(np.complex128 if get_default_dtype() == np.float64 else np.complex64)
    raise TypeError(f"result_type: expected Tensors or Python numbers, got {type(x).__name__}")


def result_type(*operands):
    """The dtype torch computes ``op(*operands)`` in (``torch.result_type``): operands are
    tensors (ranked by whether they have dimensions) and Python numbers."""
    if not operands:
        raise TypeError("result_type: expected at least one operand")
    dim = zero = number = None
    for x in operands:
        if isinstance(x, (Tensor, np.ndarray)):
            dt = x.dtype
            if x.ndim:
                dim = dt if dim is None else promote_types(dim, dt)
            else:
                zero = dt if zero is None else promote_types(zero, dt)
        else:
            dt = _scalar_dtype(x)
            number = dt if number is None else promote_types(number, dt)
    return _combine(dim, _combine(zero, number))


def can_cast(from_, to):
    """Whether torch casts ``from_`` to ``to`` in an in-place op or ``out=`` (``torch.can_cast``):
    never to a lower category (float into an integer tensor), anything else yes."""
    return _CATEGORY[np.dtype(from_).kind] <= _CATEGORY[np.dtype(to).kind]


def promote_arrays(a, b):
    """Two arrays cast to the dtype torch would compute ``a op b`` in (no copy when they
    already agree)."""
    da, db = a.dtype, b.dtype
    if da == db:
        return a, b
    dt = promote_types(da, db) if a.ndim and b.ndim else result_type(a, b)
    return (a if da == dt else a.astype(dt)), (b if db == dt else b.astype(dt))
