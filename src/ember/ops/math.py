"""Element-wise maths, broadcasting binary ops, comparisons, ``where``, ``matmul`` and
``einsum``. Every backward is written with these same ops, so it can be differentiated
again when the backward pass is recorded (``create_graph=True``).

Broadcasting follows NumPy/PyTorch: the gradient of a broadcast operand is summed back
to its shape (:func:`sum_to`).
"""
import numbers
import string
from collections import Counter

import numpy as np

from .. import backend
from ..autograd.function import Node
from ._util import Tensor, _wrap, state, as_tensor_arg, scalar_or_tensor, get_default_dtype, shape_str

try:
    from scipy.special import expit as _expit
except Exception:  # pragma: no cover
    _expit = None


def _tensor(x, op, name="input"):
    return x if x.__class__ is Tensor else as_tensor_arg(x, name, op)


# ---------------------------------------------------------------------------------------
# sum_to / broadcast helpers (used by every broadcasting backward)
# ---------------------------------------------------------------------------------------
class SumToBackward(Node):
    def backward(self, g):
        from .shape import broadcast_to
        return (broadcast_to(g, self.in_shape),)


def sum_to(x, shape):
    """Sum ``x`` down to ``shape`` (the inverse of broadcasting ``shape`` up to ``x.shape``)."""
    shape = tuple(shape)
    if x.data.shape == shape:
        return x
    lead = x.data.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and x.data.shape[lead + i] != 1)
    out = x.data.sum(axis=axes, keepdims=True)
    if lead:
        out = out.reshape(shape)
    if state.enabled and x.requires_grad:
        node = SumToBackward(x)
        node.in_shape = x.data.shape
        return _wrap(out, node)
    return _wrap(out)


# ---------------------------------------------------------------------------------------
# unary element-wise ops
# ---------------------------------------------------------------------------------------
def _unary(name, forward, grad, saves_input=False, saves_output=False, doc="", array_grad=None):
    """Build a differentiable element-wise op from ``forward(array)`` and
    ``grad(g, x, out) -> tensor`` (x and out are tensors, present if saved).
    ``array_grad(g, x, out) -> array``, if given, is the same formula on the arrays, used
    when the backward is not recorded (it skips the per-op dispatch of ``grad``)."""
    cls = type(name.capitalize() + "Backward", (Node,), {})

    def backward(self, g):
        x = self.unpack()[0] if saves_input else None
        out = self.output() if saves_output else None
        if array_grad is not None and not state.enabled:
            return (_wrap(array_grad(g.data, x.data if saves_input else None,
                                     out.data if saves_output else None)),)
        return (grad(g, x, out),)
    cls.backward = backward

    def op(input):
        x = input if input.__class__ is Tensor else as_tensor_arg(input, "input", name)
        data = x.data
        if data.dtype.kind in "iub" and name not in ("neg", "abs", "sign", "relu"):
            data = data.astype(get_default_dtype())
        out = forward(data)
        if state.enabled and x.requires_grad:
            node = cls(x)
            if saves_input:
                node.save(x)
            res = _wrap(out, node)
            if saves_output:
                node.save_output(res)
            return res
        return _wrap(out)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc or f"Element-wise ``{name}``."
    return op


def _const(array):
    return _wrap(array)


def _sigmoid_array(a):
    if _expit is not None and type(a) is np.ndarray:
        return _expit(a)
    return 0.5 * (np.tanh(0.5 * a) + 1)


neg = _unary("neg", np.negative, lambda g, x, out: -g, array_grad=lambda g, x, out: -g)
abs = _unary("abs", np.abs, lambda g, x, out: g * _const(np.sign(x.data)), saves_input=True)
exp = _unary("exp", np.exp, lambda g, x, out: g * out, saves_output=True,
             doc="Element-wise e^x; d/dx = e^x.", array_grad=lambda g, x, out: g * out)
log = _unary("log", np.log, lambda g, x, out: g / x, saves_input=True,
             doc="Natural logarithm; d/dx = 1/x.", array_grad=lambda g, x, out: g / x)
log1p = _unary("log1p", np.log1p, lambda g, x, out: g / (x + 1), saves_input=True,
               array_grad=lambda g, x, out: g / (x + 1))
sqrt = _unary("sqrt", np.sqrt, lambda g, x, out: g / (out * 2), saves_output=True,
              array_grad=lambda g, x, out: g / (out * 2))
rsqrt = _unary("rsqrt", lambda a: 1 / np.sqrt(a), lambda g, x, out: g * (out * out * out) * -0.5,
               saves_output=True, doc="1/sqrt(x); d/dx = -x^(-3/2)/2.")
sin = _unary("sin", np.sin, lambda g, x, out: g * cos(x), saves_input=True)
cos = _unary("cos", np.cos, lambda g, x, out: -(g * sin(x)), saves_input=True)
tanh = _unary("tanh", np.tanh, lambda g, x, out: g * (1 - out * out), saves_output=True,
              doc="tanh(z) = (e^z - e^-z)/(e^z + e^-z); derivative 1 - tanh(z)^2 (the notes' f' = 1 - f^2).",
              array_grad=lambda g, x, out: g * (1 - out * out))
sigmoid = _unary("sigmoid", _sigmoid_array, lambda g, x, out: g * (out * (1 - out)), saves_output=True,
                 doc="sigmoid(z) = 1/(1 + e^-z), computed stably; derivative f(1 - f).",
                 array_grad=lambda g, x, out: g * (out * (1 - out)))


class ReluBackward(Node):
    def backward(self, g):
        out = self.output()
        if not state.enabled:   # not recorded: multiply by the 0/1 mask on the arrays
            return (_wrap(np.multiply(g.data, out.data > 0)),)
        return (g * _const((out.data > 0).astype(g.data.dtype)),)


def relu(input):
    """max(0, z); derivative 1 for z > 0 else 0 (the notes' convention at z = 0)."""
    x = input if input.__class__ is Tensor else as_tensor_arg(input, "input", "relu")
    out = np.maximum(x.data, 0)
    if state.enabled and x.requires_grad:
        res = _wrap(out, ReluBackward(x))
        res.grad_fn.save_output(res)
        return res
    return _wrap(out)


class SignBackward(Node):
    def backward(self, g):
        return (g * 0,)


def sign(input):
    """Element-wise sign (-1, 0, 1); its gradient is zero."""
    x = _tensor(input, "sign")
    out = np.sign(x.data)
    if state.enabled and x.requires_grad:
        return _wrap(out, SignBackward(x))
    return _wrap(out)


def square(input):
    return mul(input, input)


# ---------------------------------------------------------------------------------------
# binary ops with broadcasting
# ---------------------------------------------------------------------------------------
_PY_SCALARS = (float, int, bool)


def _operands(a, b, op):
    """(a, b, a's array or scalar, b's array or scalar); Python numbers stay scalars so a
    float32 tensor stays float32, and an integer tensor meeting a Python float becomes the
    default float dtype (torch's rule)."""
    if a.__class__ is Tensor:
        ad = a.data
    else:
        if a.__class__ not in _PY_SCALARS:
            a = scalar_or_tensor(a, op, "input")
        ad = a.data if a.__class__ is Tensor else a
    if b.__class__ is Tensor:
        bd = b.data
    else:
        if b.__class__ not in _PY_SCALARS:
            b = scalar_or_tensor(b, op, "other")
        bd = b.data if b.__class__ is Tensor else b
    if bd.__class__ is float and ad.dtype.kind in "iub":
        ad = ad.astype(get_default_dtype())
    elif ad.__class__ is float and bd.dtype.kind in "iub":
        bd = bd.astype(get_default_dtype())
    return a, b, ad, bd


def _broadcast_error(op, ad, bd):
    sa = shape_str(np.shape(ad))
    sb = shape_str(np.shape(bd))
    return ValueError(f"{op}: shapes {sa} and {sb} are not broadcastable "
                      f"(trailing dimensions must be equal or 1)")


def _rg(x):
    return x.__class__ is Tensor and x.requires_grad


def _shape(x):
    return x.data.shape if x.__class__ is Tensor else ()


class AddBackward(Node):
    def backward(self, g):
        ea, eb = self.next_edges
        return (sum_to(g, self.sa) if ea is not None else None,
                sum_to(g, self.sb) if eb is not None else None)


class SubBackward(Node):
    def backward(self, g):
        ea, eb = self.next_edges
        return (sum_to(g, self.sa) if ea is not None else None,
                sum_to(-g if state.enabled else _wrap(np.negative(g.data)), self.sb)
                if eb is not None else None)


def _data(x):
    return x.data if x.__class__ is Tensor else x


class MulBackward(Node):
    def backward(self, g):
        a, b = self.unpack()
        ea, eb = self.next_edges
        if not state.enabled:   # not recorded: the same products on the arrays
            gd = g.data
            return (sum_to(_wrap(gd * _data(b)), self.sa) if ea is not None else None,
                    sum_to(_wrap(gd * _data(a)), self.sb) if eb is not None else None)
        return (sum_to(g * b, self.sa) if ea is not None else None,
                sum_to(g * a, self.sb) if eb is not None else None)


class DivBackward(Node):
    def backward(self, g):
        a, b = self.unpack()
        ea, eb = self.next_edges
        if not state.enabled:
            gd, bd = g.data, _data(b)
            return (sum_to(_wrap(gd / bd), self.sa) if ea is not None else None,
                    sum_to(_wrap(-(gd * _data(a)) / (bd * bd)), self.sb) if eb is not None else None)
        return (sum_to(g / b, self.sa) if ea is not None else None,
                sum_to(-(g * a) / (b * b), self.sb) if eb is not None else None)


def _binary(name, ufunc, cls, saves):
    def op(input, other):
        if input.__class__ is Tensor:
            # the common operand pairs inline (what _operands returns for them)
            if other.__class__ is Tensor:
                a, b, ad, bd = input, other, input.data, other.data
            elif other.__class__ is int or (other.__class__ is float and input.data.dtype.kind in "fc"):
                a, b, ad, bd = input, other, input.data, other
            else:
                a, b, ad, bd = _operands(input, other, name)
        else:
            a, b, ad, bd = _operands(input, other, name)
        try:
            out = ufunc(ad, bd)
        except ValueError:
            raise _broadcast_error(name, ad, bd) from None
        if state.enabled:
            ta, tb = a.__class__ is Tensor, b.__class__ is Tensor
            if (ta and a.requires_grad) or (tb and b.requires_grad):
                node = cls(a if ta else None, b if tb else None)
                node.sa = ad.shape if ta else ()
                node.sb = bd.shape if tb else ()
                if saves:
                    node.save(a, b)
                return _wrap(out, node)
        return _wrap(out)
    op.__name__ = op.__qualname__ = name
    return op


add = _binary("add", np.add, AddBackward, False)
sub = _binary("sub", np.subtract, SubBackward, False)
mul = _binary("mul", np.multiply, MulBackward, True)
div = _binary("div", np.true_divide, DivBackward, True)
add.__doc__ = "input + other, broadcasting; the gradient of a broadcast operand is summed back to its shape."
sub.__doc__ = "input - other, broadcasting."
mul.__doc__ = "input * other, broadcasting; d/da = b, d/db = a."
div.__doc__ = "input / other, broadcasting; d/da = 1/b, d/db = -a/b^2."
subtract, multiply, divide, true_divide = sub, mul, div, div


class PowBackward(Node):
    def backward(self, g):
        a, b = self.unpack()
        ea, eb = self.next_edges
        ga = gb = None
        if isinstance(b, numbers.Number):
            if ea is not None:
                ga = g * (b * pow(a, b - 1)) if b != 2 else g * (a * 2)
            return ga, None
        if ea is not None:
            ga = sum_to(g * (b * pow(a, b - 1)), self.sa)
        if eb is not None:
            if isinstance(a, numbers.Number):
                gb = g * self.output() * float(np.log(a))
            else:
                zero = _const(a.data == 0)
                safe_log = log(where(zero, 1.0, a))
                gb = sum_to(g * self.output() * safe_log, self.sb)
        return ga, gb


def pow(input, exponent):
    """input ** exponent with broadcasting; d/da = b a^(b-1), d/db = a^b log a."""
    a, b, ad, bd = _operands(input, exponent, "pow")
    try:
        out = np.power(ad, bd)
    except ValueError:
        raise _broadcast_error("pow", ad, bd) from None
    if state.enabled and (_rg(a) or _rg(b)):
        node = PowBackward(a if a.__class__ is Tensor else None, b if b.__class__ is Tensor else None)
        node.sa, node.sb = _shape(a), _shape(b)
        node.save(a, b)
        res = _wrap(out, node)
        node.save_output(res)
        return res
    return _wrap(out)


class MaximumBackward(Node):
    def backward(self, g):
        ea, eb = self.next_edges
        w = _const(self.weight)
        return (sum_to(g * w, self.sa) if ea is not None else None,
                sum_to(g * (1 - w), self.sb) if eb is not None else None)


def _extremum(name, ufunc, better):
    def op(input, other):
        a, b, ad, bd = _operands(input, other, name)
        try:
            out = ufunc(ad, bd)
        except ValueError:
            raise _broadcast_error(name, ad, bd) from None
        if state.enabled and (_rg(a) or _rg(b)):
            node = MaximumBackward(a if a.__class__ is Tensor else None, b if b.__class__ is Tensor else None)
            node.sa, node.sb = _shape(a), _shape(b)
            # gradient goes to the larger (smaller) operand; ties split it evenly, as torch does
            dtype = out.dtype
            node.weight = np.where(ad == bd, 0.5, better(ad, bd)).astype(dtype)
            return _wrap(out, node)
        return _wrap(out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Element-wise {name} of two tensors; at ties the gradient is split evenly."
    return op


maximum = _extremum("maximum", np.maximum, np.greater)
minimum = _extremum("minimum", np.minimum, np.less)


class ClampBackward(Node):
    def backward(self, g):
        return (g * _const(self.mask),)


def clamp(input, min=None, max=None):
    """Clip values to [min, max]; the gradient passes where min <= x <= max."""
    x = _tensor(input, "clamp")
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    out = np.clip(x.data, min, max)
    if state.enabled and x.requires_grad:
        node = ClampBackward(x)
        mask = np.ones(x.data.shape, dtype=bool)
        if min is not None:
            mask &= x.data >= min
        if max is not None:
            mask &= x.data <= max
        node.mask = mask.astype(x.data.dtype)
        return _wrap(out, node)
    return _wrap(out)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


class WhereBackward(Node):
    def backward(self, g):
        ea, eb = self.next_edges
        cond = self.cond
        zero = 0.0
        return (sum_to(where(cond, g, zero), self.sa) if ea is not None else None,
                sum_to(where(cond, zero, g), self.sb) if eb is not None else None)


def where(condition, input, other):
    """Pick ``input`` where ``condition`` is true and ``other`` elsewhere (broadcasting)."""
    c = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if c.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {c.dtype}")
    a, b, ad, bd = _operands(input, other, "where")
    try:
        out = np.where(c, ad, bd)
    except ValueError:
        raise ValueError(f"where: shapes {shape_str(c.shape)}, {shape_str(np.shape(ad))} and "
                         f"{shape_str(np.shape(bd))} are not broadcastable") from None
    if state.enabled and (_rg(a) or _rg(b)):
        node = WhereBackward(a if a.__class__ is Tensor else None, b if b.__class__ is Tensor else None)
        node.sa, node.sb = _shape(a), _shape(b)
        node.cond = _wrap(c)
        return _wrap(out, node)
    return _wrap(out)


# ---------------------------------------------------------------------------------------
# comparisons and logic (no gradient; bool results)
# ---------------------------------------------------------------------------------------
def _compare(name, ufunc):
    def op(input, other):
        a, b, ad, bd = _operands(input, other, name)
        try:
            return _wrap(ufunc(ad, bd))
        except ValueError:
            raise _broadcast_error(name, ad, bd) from None
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Element-wise ``{name}`` comparison; returns a bool tensor."
    return op


eq = _compare("eq", np.equal)
ne = _compare("ne", np.not_equal)
lt = _compare("lt", np.less)
le = _compare("le", np.less_equal)
gt = _compare("gt", np.greater)
ge = _compare("ge", np.greater_equal)
logical_and = _compare("logical_and", np.logical_and)
logical_or = _compare("logical_or", np.logical_or)
logical_xor = _compare("logical_xor", np.logical_xor)
greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne


def logical_not(input):
    return _wrap(np.logical_not(_tensor(input, "logical_not").data))


def isnan(input):
    return _wrap(np.isnan(_tensor(input, "isnan").data))


def isinf(input):
    return _wrap(np.isinf(_tensor(input, "isinf").data))


def isfinite(input):
    return _wrap(np.isfinite(_tensor(input, "isfinite").data))


def floor_divide(input, other):
    a, b, ad, bd = _operands(input, other, "floor_divide")
    return _wrap(np.floor_divide(ad, bd))


def remainder(input, other):
    a, b, ad, bd = _operands(input, other, "remainder")
    return _wrap(np.remainder(ad, bd))


def equal(input, other):
    """True if both tensors have the same shape and elements."""
    a, b = _tensor(input, "equal"), _tensor(other, "equal", "other")
    return a.shape == b.shape and bool(np.all(a.data == b.data))


def allclose(input, other, rtol=1e-5, atol=1e-8, equal_nan=False):
    a, b = _tensor(input, "allclose"), _tensor(other, "allclose", "other")
    return bool(np.allclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=equal_nan))


# ---------------------------------------------------------------------------------------
# dtype casts
# ---------------------------------------------------------------------------------------
class CastBackward(Node):
    def backward(self, g):
        return (cast(g, self.src_dtype),)


def cast(input, dtype):
    """Convert to ``dtype``; differentiable between floating dtypes."""
    x = _tensor(input, "cast")
    dtype = np.dtype(dtype)
    if x.data.dtype == dtype:
        return x
    out = x.data.astype(dtype)
    if state.enabled and x.requires_grad and dtype.kind == "f":
        node = CastBackward(x)
        node.src_dtype = x.data.dtype
        return _wrap(out, node)
    return _wrap(out)


class CloneBackward(Node):
    def backward(self, g):
        return (g,)


def clone(input):
    """A copy of the data that stays in the graph (its gradient is the identity)."""
    x = _tensor(input, "clone")
    out = x.data.copy()
    if state.enabled and x.requires_grad:
        return _wrap(out, CloneBackward(x))
    return _wrap(out)


# ---------------------------------------------------------------------------------------
# matmul and einsum
# ---------------------------------------------------------------------------------------
class MatmulBackward(Node):
    def backward(self, g):
        a, b = self.unpack()
        ea, eb = self.next_edges
        ga = gb = None
        if ea is not None:
            ga = sum_to(matmul(g, b.mT), a.data.shape)
        if eb is not None:
            gb = sum_to(matmul(a.mT, g), b.data.shape)
        return ga, gb


def matmul(input, other):
    """Matrix product with NumPy/PyTorch semantics: 1-D vectors are promoted (and the added
    dimension removed), leading dimensions broadcast as batches.
    Backward: dA = dC B^T, dB = A^T dC (summed over broadcast batch dimensions)."""
    a = _tensor(input, "matmul")
    b = _tensor(other, "matmul", "other")
    ad, bd = a.data, b.data
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
        from .shape import unsqueeze, squeeze
        a2 = unsqueeze(a, 0) if ad.ndim == 1 else a
        b2 = unsqueeze(b, -1) if bd.ndim == 1 else b
        out = matmul(a2, b2)
        if ad.ndim == 1:
            out = squeeze(out, -2)
        if bd.ndim == 1:
            out = squeeze(out, -1)
        return out
    if ad.dtype != bd.dtype:
        dt = np.result_type(ad.dtype, bd.dtype)
        a, b = cast(a, dt), cast(b, dt)
        ad, bd = a.data, b.data
    try:
        out = np.matmul(ad, bd)
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of shapes {shape_str(ad.shape)} and "
                         f"{shape_str(bd.shape)} are not broadcastable") from None
    if state.enabled and (a.requires_grad or b.requires_grad):
        node = MatmulBackward(a, b)
        node.save(a, b)
        return _wrap(out, node)
    return _wrap(out)


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
    from .shape import unsqueeze
    return mul(unsqueeze(_tensor(input, "outer"), 1), unsqueeze(_tensor(vec2, "outer", "vec2"), 0))


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


class EinsumBackward(Node):
    def backward(self, g):
        ops = self.unpack()
        terms, rhs = self.terms, self.rhs
        grads = []
        for i, (t, e) in enumerate(zip(terms, self.next_edges)):
            if e is None:
                grads.append(None)
                continue
            if len(set(t)) != len(t):
                raise NotImplementedError(
                    f"einsum backward: repeated subscripts in one operand ({t!r}, a diagonal or "
                    f"trace) are not supported; use ember.diagonal-free forms")
            others = [terms[j] for j in range(len(terms)) if j != i]
            avail = set(rhs).union(*others) if others else set(rhs)
            kept = "".join(c for c in t if c in avail)
            eq = ",".join([rhs] + others) + "->" + kept
            gi = einsum(eq, g, *[ops[j] for j in range(len(ops)) if j != i])
            if kept != t:
                from .shape import broadcast_to, reshape
                shp = ops[i].data.shape
                gi = broadcast_to(reshape(gi, tuple(shp[k] if c in avail else 1 for k, c in enumerate(t))), shp)
            grads.append(gi)
        return tuple(grads)


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``. The gradient of each
    operand is the einsum of the output gradient with the other operands."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ts = [_tensor(o, "einsum", f"operands[{i}]") for i, o in enumerate(operands)]
    terms, rhs = _parse_einsum(equation, [t.data.shape for t in ts])
    eq = ",".join(terms) + "->" + rhs
    dt = np.result_type(*[t.data.dtype for t in ts])
    try:
        out = np.einsum(eq, *[t.data.astype(dt, copy=False) for t in ts], optimize=len(ts) > 2)
    except ValueError as e:
        raise ValueError(f"einsum: {equation!r} does not fit shapes "
                         f"{', '.join(shape_str(t.data.shape) for t in ts)}: {e}") from None
    if state.enabled and any(t.requires_grad for t in ts):
        node = EinsumBackward(*ts)
        node.save(*ts)
        node.terms, node.rhs = terms, rhs
        return _wrap(out, node)
    return _wrap(out)
