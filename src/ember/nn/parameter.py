"""``Parameter``: a leaf tensor that a ``Module`` registers as learnable.

A parameter *is* an ember ``Tensor`` (so every fast path in the ops applies to it);
``isinstance(t, Parameter)`` is true for tensors made by ``Parameter(...)``.

    >>> import ember
    >>> w = ember.nn.Parameter(ember.zeros(2, 3))
    >>> isinstance(w, ember.nn.Parameter), w.requires_grad, w.is_leaf
    (True, True, True)
"""
import weakref

import numpy as np

from ..autograd.tensor import Tensor, _wrap

_PARAMS = {}   # id(tensor) -> weakref, for the isinstance check


class _ParameterMeta(type):
    def __instancecheck__(cls, obj):
        ref = _PARAMS.get(id(obj))
        return ref is not None and ref() is obj


def _forget(key):
    def cb(_ref):
        _PARAMS.pop(key, None)
    return cb


class Parameter(metaclass=_ParameterMeta):
    """Make ``data`` (a Tensor, array or nested list) a learnable leaf tensor. Like torch,
    a Tensor argument shares its memory with the parameter."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            arr = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            arr = data.data
        else:
            arr = Tensor(data).data
        t = _wrap(arr)
        if requires_grad:
            t.requires_grad_(True)
        _PARAMS[id(t)] = weakref.ref(t, _forget(id(t)))
        return t
