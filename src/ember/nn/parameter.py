"""``Parameter``: a leaf tensor that a ``Module`` registers as learnable.

A parameter is a ``Tensor`` subclass (as in PyTorch), so every op takes it as it is, and
the type survives ``copy.deepcopy``, pickling, ``state_dict`` round trips and
re-assignment (``m.weight = m.weight``).

    >>> import ember
    >>> w = ember.nn.Parameter(ember.zeros(2, 3))
    >>> isinstance(w, ember.nn.Parameter), w.requires_grad, w.is_leaf
    (True, True, True)
"""
import numpy as np

from ..autograd.tensor import Tensor, _to_array


class Parameter(Tensor):
    """Make ``data`` (a Tensor, array or nested list) a learnable leaf tensor. Like torch,
    a Tensor argument shares its memory with the parameter."""

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            arr = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            arr = data.array
        else:
            arr = _to_array(data)
        t = object.__new__(cls)
        t.array, t.grad, t.grad_fn, t.requires_grad, t._vc, t._hooks = arr, None, None, False, [0], None
        if requires_grad:
            t.requires_grad_(True)
        return t

    def __init__(self, data=None, requires_grad=True):
        pass        # everything is done in __new__

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
