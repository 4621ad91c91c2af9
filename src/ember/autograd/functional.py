"""``ember.autograd.functional``: derivatives of whole functions, with PyTorch's signatures.

``vjp``, ``jvp``, ``vhp``, ``hvp``, ``jacobian`` and ``hessian`` take ``func`` (tensors in,
a tensor or a tuple of tensors out) and ``inputs`` (a tensor or a tuple of tensors). The
results follow the structure of the arguments as torch's do: a single tensor where a
single tensor was given, tuples where tuples were given.

Everything is built on the engine's :func:`ember.autograd.grad`: a vector-Jacobian
product is one backward pass; a Jacobian-vector product is the derivative of a vjp with
respect to its (dummy) vector, i.e. two reverse passes; Hessian products are the backward
of the gradient (``create_graph=True``).

    >>> import ember
    >>> from ember.autograd.functional import hessian, hvp
    >>> x = ember.tensor([1.0, 2.0])
    >>> hessian(lambda x: (x ** 3).sum(), x)
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    >>> hvp(lambda x: (x ** 3).sum(), x, ember.tensor([1.0, 1.0]))[1]
    tensor([ 6., 12.])

This module imports only the engine: the tensor methods and operators it uses on the
user's outputs are bound by :mod:`ember.ops` when ``ember`` is imported.
"""
import numpy as np

from .engine import grad as _grad
from .function import Function
from .grad_mode import enable_grad
from .tensor import Tensor, _wrap

__all__ = ["vjp", "jvp", "vhp", "hvp", "jacobian", "hessian"]


class _Alias(Function):
    """The identity, as a graph node: the inputs a function sees are distinct from the
    caller's tensors, as torch's ``view_as`` makes them, so gradients are captured there."""
    array_backward = True

    @staticmethod
    def forward(ctx, x):
        return x.array.view()

    @staticmethod
    def backward(ctx, g):
        return g


class _Stack(Function):
    """``stack`` of equally shaped tensors along a new first dimension, differentiable (the
    rows of a Jacobian built under ``create_graph``)."""
    array_backward = True

    @staticmethod
    def forward(ctx, *rows):
        ctx.n = len(rows)
        return np.stack([r.array for r in rows])

    @staticmethod
    def backward(ctx, g):
        return tuple(g[i] for i in range(ctx.n))


# ---- argument handling ------------------------------------------------------------------------

def _as_tuple(x, arg, fn):
    """``(is_tuple, tuple_of_tensors)``, with a clear error for anything but tensors."""
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"{arg}[{i}]" if is_tuple else arg
            raise TypeError(f"{fn}: {where} is a {type(t).__name__}, expected a Tensor "
                            f"(or a tuple of Tensors)")
    return is_tuple, items


def _prepare(inputs, create_graph):
    """The tensors handed to ``func``: aliases of the inputs that require grad (kept in the
    caller's graph under ``create_graph``), detached copies that require grad otherwise."""
    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(_Alias.apply(t))
        else:
            d = t.detach()
            if not (d.array.dtype.kind == "f" or d.array.dtype.kind == "c"):
                raise TypeError(f"inputs must be floating point to be differentiated, got "
                                f"dtype {d.array.dtype}")
            out.append(d.requires_grad_(True))
    return tuple(out)


def _call(func, inputs, fn):
    with enable_grad():
        out = func(*inputs)
    is_tuple, outs = _as_tuple(out, "the output of func", fn)
    return is_tuple, outs


def _check_v(v, like, arg, fn):
    if len(v) != len(like):
        raise RuntimeError(f"{fn}: {arg} has {len(v)} tensors but there are {len(like)} "
                           f"{'outputs' if arg == 'v' and fn == 'vjp' else 'inputs'}")
    for i, (a, b) in enumerate(zip(v, like)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(f"{fn}: {arg}[{i}] has shape {tuple(a.shape)}, expected the "
                               f"shape {tuple(b.shape)} of the matching tensor")


def _default_v(v, like, arg, fn):
    """``v`` as a tuple; None is allowed only when ``like`` is one single-element tensor."""
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(f"{fn}: {arg} may be None only when there is a single tensor "
                               f"with a single element; pass {arg} with the shapes "
                               f"{[tuple(t.shape) for t in like]}")
        return (_wrap(np.ones_like(like[0].array)),)
    _, v = _as_tuple(v, arg, fn)
    _check_v(v, like, arg, fn)
    return v


def _grads(outputs, inputs, grad_outputs, create_graph, strict, fn, what="output"):
    """``autograd.grad`` for the tensors of ``outputs`` that require grad; an input on which
    they do not depend gets zeros (or, with ``strict``, an error)."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs or (None,) * len(outputs))
             if o.requires_grad]
    if pairs:
        got = _grad([o for o, _ in pairs], inputs,
                    None if grad_outputs is None else [g for _, g in pairs],
                    retain_graph=True, create_graph=create_graph, allow_unused=True)
    else:
        got = (None,) * len(inputs)
    out = []
    for i, (g, x) in enumerate(zip(got, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"{fn}: the {what} of the user-provided function is "
                                   f"independent of input {i}. This is not allowed in strict mode.")
            g = _wrap(np.zeros_like(x.array))
        out.append(g)
    return tuple(out)


def _finish(tensors, create_graph):
    return tuple(t if create_graph else t.detach() for t in tensors)


def _shape(is_tuple, items):
    return items if is_tuple else items[0]


def _check_strict_args(strict, vectorize, fn):
    if strict and vectorize:
        raise RuntimeError(f"{fn}: strict=True and vectorize=True are not supported together")


# ---- the products -----------------------------------------------------------------------------

def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), v^T J)``: the vector-Jacobian product, one backward pass."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    x = _prepare(inputs, create_graph)
    out_tuple, outs = _call(func, x, "vjp")
    v = _default_v(v, outs, "v", "vjp")
    res = _grads(outs, x, v, create_graph, strict, "vjp")
    return _shape(out_tuple, _finish(outs, create_graph)), _shape(in_tuple, _finish(res, create_graph))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), J v)``: the Jacobian-vector product, as the derivative of
    ``u -> u^T J`` (linear in ``u``) in the direction ``v`` (two backward passes)."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    x = _prepare(inputs, create_graph)
    out_tuple, outs = _call(func, x, "jvp")
    v = _default_v(v, inputs, "v", "jvp")
    with enable_grad():
        u = tuple(_wrap(np.zeros_like(o.array)).requires_grad_(True) for o in outs)
        g = _grads(outs, x, u, True, strict, "jvp")
    needed = [(gi, vi) for gi, vi in zip(g, v) if gi.requires_grad]
    res = []
    if needed:
        got = _grad([gi for gi, _ in needed], u, [vi for _, vi in needed], retain_graph=True,
                    create_graph=create_graph, allow_unused=True)
    else:
        got = (None,) * len(u)
    for i, (r, o) in enumerate(zip(got, outs)):
        if r is None:
            if strict:
                raise RuntimeError(f"jvp: output {i} of the user-provided function is "
                                   f"independent of the inputs. This is not allowed in strict mode.")
            r = _wrap(np.zeros_like(o.array))
        res.append(r)
    return _shape(out_tuple, _finish(outs, create_graph)), _shape(out_tuple, _finish(res, create_graph))


def _scalar_output(outs, out_tuple, fn):
    if out_tuple or outs[0].numel() != 1:
        shapes = [tuple(o.shape) for o in outs]
        raise RuntimeError(f"{fn}: the function given should return a single Tensor with a "
                           f"single element, got {len(outs)} tensor(s) of shape(s) {shapes}")
    return outs[0]


def _hessian_vector(func, inputs, v, create_graph, strict, fn):
    """``(func(*inputs), v^T H)``: the backward of the gradient (named ``fn`` in errors)."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", fn)
    x = _prepare(inputs, create_graph)
    out_tuple, outs = _call(func, x, fn)
    out = _scalar_output(outs, out_tuple, fn)
    v = _default_v(v, inputs, "v", fn)
    with enable_grad():
        g = _grads((out,), x, None, True, strict, fn)
    res = _grads(g, x, v, create_graph, strict, fn, what="jacobian")
    return _finish((out,), create_graph)[0], _shape(in_tuple, _finish(res, create_graph))


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), v^T H)`` for a scalar ``func``: the backward of the gradient."""
    return _hessian_vector(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), H v)`` for a scalar ``func``. The Hessian of a twice continuously
    differentiable function is symmetric, so ``H v = (v^T H)^T``: one double backward, as
    :func:`vhp` (torch spends a third pass to get it without assuming symmetry)."""
    return _hessian_vector(func, inputs, v, create_graph, strict, "hvp")


# ---- full matrices ----------------------------------------------------------------------------

def _jacobian_of(outs, x, create_graph, strict, fn):
    """``J[i][j]`` of shape ``outs[i].shape + x[j].shape``, one backward pass per output
    element (the rows, stacked)."""
    table = []
    for i, o in enumerate(outs):
        n = o.numel()
        rows = [[] for _ in x]
        for k in range(n):
            e = np.zeros(n, dtype=o.array.dtype)
            e[k] = 1.0
            got = _grads((o,), x, (_wrap(e.reshape(o.array.shape)),), create_graph, strict, fn)
            for j, g in enumerate(got):
                rows[j].append(g.reshape(-1) if g.ndim != 1 else g)
        per_input = []
        for j, xj in enumerate(x):
            shape = tuple(o.shape) + tuple(xj.shape)
            if n == 0:
                per_input.append(_wrap(np.zeros(shape, dtype=xj.array.dtype)))
            else:
                per_input.append(_Stack.apply(*rows[j]).reshape(shape))
        table.append(tuple(per_input))
    return table


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for one output and one input a tensor of shape
    ``output.shape + input.shape``; tuples over the outputs, then over the inputs, where
    tuples were given. ``vectorize`` is accepted for compatibility (the rows are always
    computed one backward pass each); ``strategy`` must be ``"reverse-mode"`` or
    ``"forward-mode"`` (which torch allows only with ``vectorize=True``)."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"jacobian: strategy={strategy!r}, expected 'reverse-mode' or 'forward-mode'")
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("jacobian: strategy='forward-mode' needs vectorize=True (as in torch)")
    _check_strict_args(strict, vectorize, "jacobian")
    in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    x = _prepare(inputs, create_graph)
    out_tuple, outs = _call(func, x, "jacobian")
    table = _jacobian_of(outs, x, create_graph, strict, "jacobian")
    table = [_finish(row, create_graph) for row in table]
    return _shape(out_tuple, tuple(_shape(in_tuple, row) for row in table))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func``: for one input a tensor of shape
    ``input.shape + input.shape``; for a tuple of inputs a tuple of tuples ``H[i][j]`` of
    shape ``inputs[i].shape + inputs[j].shape``: the Jacobian of the gradient."""
    if outer_jacobian_strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f"hessian: outer_jacobian_strategy={outer_jacobian_strategy!r}, "
                         f"expected 'reverse-mode' or 'forward-mode'")
    _check_strict_args(strict, vectorize, "hessian")
    in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    x = _prepare(inputs, create_graph)
    out_tuple, outs = _call(func, x, "hessian")
    out = _scalar_output(outs, out_tuple, "hessian")
    with enable_grad():
        g = _grads((out,), x, None, True, strict, "hessian")
    table = _jacobian_of(g, x, create_graph, strict, "hessian")
    table = [_finish(row, create_graph) for row in table]
    return _shape(in_tuple, tuple(_shape(in_tuple, row) for row in table))
