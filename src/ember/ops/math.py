"""Element-wise maths: unary functions, broadcasting binary ops, ``clamp``, ``where``,
comparisons and logic, dtype casts.

Each differentiable op is a :class:`~ember.autograd.Function`: ``forward`` computes on the
arrays, ``backward`` is written with these same ops, so it can be differentiated again when
the backward pass is recorded (``create_graph=True``). Broadcasting follows
NumPy/PyTorch; the gradient of a broadcast operand comes back in the output's shape and
``Function`` sums it down to the operand's shape.
"""
import numpy as np

from ..autograd.function import Function, SumTo
from ..autograd.grad_mode import state
from ._util import Tensor, _wrap, as_tensor_arg, scalar_or_tensor, get_default_dtype, shape_str
from ._util import to_tensor as _tensor
from .promotion import promote_arrays

try:
    from scipy.special import expit as _expit, erf as _erf
except Exception:  # pragma: no cover
    _expit = _erf = None



def sum_to(x, shape):
    """Sum ``x`` down to ``shape`` (the inverse of broadcasting ``shape`` up to ``x.shape``)."""
    shape = tuple(shape)
    return x if x.array.shape == shape else SumTo.apply(x, shape)


# ---------------------------------------------------------------------------------------
# unary element-wise ops
# ---------------------------------------------------------------------------------------
def _unary(name, forward, grad, saves=None, keeps_ints=False, doc="", real=False):
    """An element-wise op from ``forward(array) -> array`` and its gradient ``grad(g, s)``,
    where ``s`` is what it saves: the input (``saves="input"``), the output (``"output"``)
    or nothing. ``grad`` is written with operators (and ember ops), so it runs on arrays
    when the backward is not recorded (``array_backward``). Integer input becomes the
    default float dtype unless ``keeps_ints``; ``real`` ops refuse complex input (as torch's
    relu and sign do)."""

    def compute(x):
        d = x.array
        if not keeps_ints and d.dtype.kind in "iub":
            d = d.astype(get_default_dtype())
        return forward(d)

    def fwd(ctx, x):
        y = compute(x)
        if saves is not None:
            ctx.save_for_backward(x if saves == "input" else y)
        return y

    def bwd(ctx, g):
        if saves is None:
            return grad(g, None)
        s, = ctx.saved_tensors
        return grad(g, s)

    cls = type(name.capitalize(), (Function,), {
        "forward": staticmethod(fwd), "backward": staticmethod(bwd), "array_backward": True,
        "__doc__": doc, "__module__": __name__})

    def op(input):
        x = input if isinstance(input, Tensor) else as_tensor_arg(input, "input", name)
        if real and x.array.dtype.kind == "c":
            raise TypeError(f"{name}: input must be real, got dtype {x.array.dtype}")
        if state.enabled and x.requires_grad:
            return cls.apply(x)
        return _wrap(compute(x))        # nothing to record: no node (the family's fast path)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc or f"Element-wise ``{name}``."
    return op


def _sigmoid_array(a):
    if _expit is not None and type(a) is np.ndarray:
        return _expit(a)
    return 0.5 * (np.tanh(0.5 * a) + 1)


neg = _unary("neg", np.negative, lambda g, _: -g, keeps_ints=True)
abs = _unary("abs", np.abs, lambda g, x: g * sign(x), "input", keeps_ints=True)
exp = _unary("exp", np.exp, lambda g, y: g * y, "output", doc="Element-wise e^x; d/dx = e^x.")
log = _unary("log", np.log, lambda g, x: g / x, "input", doc="Natural logarithm; d/dx = 1/x.")
log1p = _unary("log1p", np.log1p, lambda g, x: g / (x + 1), "input")
sqrt = _unary("sqrt", np.sqrt, lambda g, y: g / (y * 2), "output")
rsqrt = _unary("rsqrt", lambda a: 1 / np.sqrt(a), lambda g, y: g * (y * y * y) * -0.5, "output",
               doc="1/sqrt(x); d/dx = -x^(-3/2)/2.")
sin = _unary("sin", np.sin, lambda g, x: g * cos(x), "input")
cos = _unary("cos", np.cos, lambda g, x: -(g * sin(x)), "input")
tanh = _unary("tanh", np.tanh, lambda g, y: g * (1 - y * y), "output",
              doc="tanh(z) = (e^z - e^-z)/(e^z + e^-z); derivative 1 - tanh(z)^2 (the notes' f' = 1 - f^2).")
sigmoid = _unary("sigmoid", _sigmoid_array, lambda g, y: g * (y * (1 - y)), "output",
                 doc="sigmoid(z) = 1/(1 + e^-z), computed stably; derivative f(1 - f).")
relu = _unary("relu", lambda a: np.maximum(a, 0), lambda g, y: g * (y > 0), "output", keeps_ints=True, real=True,
              doc="max(0, z); derivative 1 for z > 0 else 0 (the notes' convention at z = 0).")
erf = _unary("erf", lambda a: _erf(a), lambda g, x: g * exp(-(x * x)) * (2 / np.sqrt(np.pi)), "input",
              doc="The error function 2/sqrt(pi) int_0^x e^(-t^2) dt; d/dx = 2/sqrt(pi) e^(-x^2).")
sign = _unary("sign", np.sign, lambda g, _: g * 0, keeps_ints=True, real=True,
              doc="Element-wise sign (-1, 0, 1); its gradient is zero.")


def square(input):
    return mul(input, input)


# ---------------------------------------------------------------------------------------
# binary ops with broadcasting
# ---------------------------------------------------------------------------------------
_PY_SCALARS = (float, int, bool)


def _operands(a, b, op):
    """``(a, b)`` as tensors or Python numbers: numbers stay numbers (so a float32 tensor
    stays float32); arrays and lists become tensors."""
    if not isinstance(a, Tensor) and a.__class__ not in _PY_SCALARS:
        a = scalar_or_tensor(a, op, "input")
    if not isinstance(b, Tensor) and b.__class__ not in _PY_SCALARS:
        b = scalar_or_tensor(b, op, "other")
    return a, b


def _arrays(a, b):
    """The arrays (or numbers) of two operands; an integer tensor meeting a Python float
    becomes the default float dtype (torch's rule)."""
    ad = a.array if isinstance(a, Tensor) else a
    bd = b.array if isinstance(b, Tensor) else b
    if isinstance(ad, np.ndarray) and isinstance(bd, np.ndarray):
        return promote_arrays(ad, bd)
    if bd.__class__ is float and ad.__class__ is not float and ad.dtype.kind in "iub":
        ad = ad.astype(get_default_dtype())
    elif ad.__class__ is float and bd.__class__ is not float and bd.dtype.kind in "iub":
        bd = bd.astype(get_default_dtype())
    return ad, bd


def _promoted(t, arr):
    """``t`` itself, or a constant tensor of its promoted array (what backward then sees, so
    that its gradient formulas compute in the promoted dtype too)."""
    return t if t.array is arr else _wrap(arr)


def _broadcast_error(op, ad, bd):
    return ValueError(f"{op}: shapes {shape_str(np.shape(ad))} and {shape_str(np.shape(bd))} are not "
                      f"broadcastable (trailing dimensions must be equal or 1)")


def _apply_ufunc(op, ufunc, a, b):
    ad, bd = _arrays(a, b)
    try:
        return ufunc(ad, bd)
    except ValueError:
        raise _broadcast_error(op, ad, bd) from None


class _Arithmetic(Function):
    """The four arithmetic operators: ``forward`` applies ``ufunc`` to the operands'
    arrays (broadcasting); each subclass gives its gradient, written with operators."""
    array_backward = True
    ufunc = op = None
    saves = False

    @classmethod
    def compute(cls, a, b):
        """(a, b, ufunc(a, b)), the operands as tensors or Python numbers."""
        if a.__class__ is Tensor and (b.__class__ is Tensor or b.__class__ is int or (
                b.__class__ is float and a.array.dtype.kind in "fc")):
            ad, bd = a.array, b.array if b.__class__ is Tensor else b     # the common pairs
            if b.__class__ is Tensor and ad.dtype is not bd.dtype:
                ad, bd = promote_arrays(ad, bd)
                a, b = _promoted(a, ad), _promoted(b, bd)
        else:
            a, b = _operands(a, b, cls.op)
            ad, bd = _arrays(a, b)
        try:
            return a, b, cls.ufunc(ad, bd)
        except ValueError:
            raise _broadcast_error(cls.op, ad, bd) from None

    @staticmethod
    def forward(ctx, a, b):
        a, b, out = ctx.compute(a, b)
        if ctx.saves:
            ctx.save_for_backward(a, b)
        return out

    @classmethod
    def call(cls, a, b):
        """The public op: ``apply`` when the graph must record it, otherwise just the
        arrays (the family's fast path: no node to make)."""
        if state.enabled and ((isinstance(a, Tensor) and a.requires_grad)
                              or (isinstance(b, Tensor) and b.requires_grad)):
            return cls.apply(a, b)
        return _wrap(cls.compute(a, b)[2])


class Add(_Arithmetic):
    """input + other; both gradients are the output's (summed back over broadcast dims)."""
    ufunc, op = np.add, "add"

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(_Arithmetic):
    """input - other; d/da = 1, d/db = -1."""
    ufunc, op = np.subtract, "sub"

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class Mul(_Arithmetic):
    """input * other; d/da = b, d/db = a."""
    ufunc, op, saves = np.multiply, "mul", True

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return g * b if need_a else None, g * a if need_b else None


class Div(_Arithmetic):
    """input / other; d/da = 1/b, d/db = -a/b^2."""
    ufunc, op, saves = np.true_divide, "div", True

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return g / b if need_a else None, -(g * a) / (b * b) if need_b else None


def add(input, other):
    """input + other, broadcasting; the gradient of a broadcast operand is summed back to its shape."""
    return Add.call(input, other)


def sub(input, other):
    """input - other, broadcasting."""
    return Sub.call(input, other)


def mul(input, other):
    """input * other, broadcasting; d/da = b, d/db = a."""
    return Mul.call(input, other)


def div(input, other):
    """input / other, broadcasting; d/da = 1/b, d/db = -a/b^2."""
    return Div.call(input, other)


subtract, multiply, divide, true_divide = sub, mul, div, div


class Pow(Function):
    """input ** exponent; d/da = b a^(b-1), taken as 0 where b = 0 (so x**0 has gradient 0 at
    x = 0, as torch's); d/db = a^b log a, taken as 0 where a = 0 and b >= 0."""

    @staticmethod
    def forward(ctx, a, b):
        out = _apply_ufunc("pow", np.power, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        if need_a:
            if isinstance(b, (int, float)):
                ga = g * (a * 2) if b == 2 else (g * 0 if b == 0 else g * (b * pow(a, b - 1)))
            else:
                ga = g * (b * pow(a, b - 1))
                if np.any(b.array == 0):
                    ga = where(_wrap(b.array == 0), 0.0, ga)
        if need_b:
            if isinstance(a, Tensor):
                at_zero = (a.array == 0) & (np.asarray(b.array if isinstance(b, Tensor) else b) >= 0)
                gb = g * out * log(where(_wrap(at_zero), 1.0, a))     # 0^b log 0 is 0 for b >= 0
            elif a == 0:                                              # 0^b log 0: 0 for b >= 0
                with np.errstate(invalid="ignore"):
                    gb = where(_wrap(b.array >= 0), 0.0, g * out * float("-inf"))
            else:
                gb = g * out * float(np.log(a))
        return ga, gb


def pow(input, exponent):
    """input ** exponent with broadcasting; d/da = b a^(b-1), d/db = a^b log a."""
    a, b = _operands(input, exponent, "pow")
    return Pow.apply(a, b)


class Extremum(Function):
    """Element-wise maximum or minimum: the gradient goes to the larger (smaller) operand;
    ties split it evenly, as torch does."""

    @staticmethod
    def forward(ctx, a, b, name, ufunc, better):
        ad, bd = _arrays(a, b)
        try:
            out = ufunc(ad, bd)
        except ValueError:
            raise _broadcast_error(name, ad, bd) from None
        if any(ctx.needs_input_grad):
            ctx.weight = np.where(ad == bd, 0.5, better(ad, bd)).astype(out.dtype)
        return out

    @staticmethod
    def backward(ctx, g):
        w = _wrap(ctx.weight)
        need_a, need_b = ctx.needs_input_grad[:2]
        return g * w if need_a else None, g * (1 - w) if need_b else None, None, None, None


def maximum(input, other):
    """Element-wise maximum of two tensors; at ties the gradient is split evenly."""
    a, b = _operands(input, other, "maximum")
    return Extremum.apply(a, b, "maximum", np.maximum, np.greater)


def minimum(input, other):
    """Element-wise minimum of two tensors; at ties the gradient is split evenly."""
    a, b = _operands(input, other, "minimum")
    return Extremum.apply(a, b, "minimum", np.minimum, np.less)


class Clamp(Function):
    """Clip to [min, max]; the gradient passes where min <= x <= max."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        xd = x.array
        if ctx.needs_input_grad[0]:
            mask = np.ones(xd.shape, dtype=bool)
            if lo is not None:
                mask &= xd >= lo
            if hi is not None:
                mask &= xd <= hi
            ctx.mask = mask.astype(xd.dtype)
        return np.clip(xd, lo, hi)

    @staticmethod
    def backward(ctx, g):
        return g * _wrap(ctx.mask), None, None


def clamp(input, min=None, max=None):
    """Clip values to [min, max]; the gradient passes where min <= x <= max."""
    x = _tensor(input, "clamp")
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # torch's gradients: x's where min <= x <= max (all of it at a tie), a bound's where it
        # replaced x
        out = x
        if min is not None:
            out = where(x < min, min, out)
        if max is not None:
            out = where(x > max, max, out)
        return out
    return Clamp.apply(x, min, max)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


class Where(Function):
    """``input`` where ``condition`` holds, ``other`` elsewhere; each gradient is the output's
    gradient where its operand was picked."""

    @staticmethod
    def forward(ctx, cond, a, b):
        ad, bd = _arrays(a, b)
        try:
            out = np.where(cond, ad, bd)
        except ValueError:
            raise ValueError(f"where: shapes {shape_str(cond.shape)}, {shape_str(np.shape(ad))} and "
                             f"{shape_str(np.shape(bd))} are not broadcastable") from None
        ctx.cond = cond
        return out

    @staticmethod
    def backward(ctx, g):
        cond = _wrap(ctx.cond)
        _, need_a, need_b = ctx.needs_input_grad
        return (None, where(cond, g, 0.0) if need_a else None,
                where(cond, 0.0, g) if need_b else None)


def where(condition, input, other):
    """Pick ``input`` where ``condition`` is true and ``other`` elsewhere (broadcasting)."""
    c = condition.array if isinstance(condition, Tensor) else np.asarray(condition)
    if c.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {c.dtype}")
    a, b = _operands(input, other, "where")
    return Where.apply(c, a, b)


# ---------------------------------------------------------------------------------------
# comparisons and logic (no gradient; bool results)
# ---------------------------------------------------------------------------------------
def _compare(name, ufunc):
    def op(input, other):
        a, b = _operands(input, other, name)
        return _wrap(_apply_ufunc(name, ufunc, a, b))
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
_floor_divide = _compare("floor_divide", np.floor_divide)
_remainder = _compare("remainder", np.remainder)


def _integer_division(name, op):
    def checked(input, other):
        a, b = _operands(input, other, name)
        ad, bd = _arrays(a, b)
        if np.asarray(ad).dtype.kind in "iub" and np.asarray(bd).dtype.kind in "iub" and np.any(np.asarray(bd) == 0):
            raise RuntimeError(f"{name}: integer division by zero (other contains 0)")
        return op(a, b)
    checked.__name__ = checked.__qualname__ = name
    return checked


floor_divide = _integer_division("floor_divide", _floor_divide)
remainder = _integer_division("remainder", _remainder)
floor_divide.__doc__ = "Element-wise floor division (no gradient)."
remainder.__doc__ = "Element-wise remainder with the sign of the divisor (no gradient)."
greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne


def logical_not(input):
    return _wrap(np.logical_not(_tensor(input, "logical_not").array))


def isnan(input):
    return _wrap(np.isnan(_tensor(input, "isnan").array))


def isinf(input):
    return _wrap(np.isinf(_tensor(input, "isinf").array))


def isfinite(input):
    return _wrap(np.isfinite(_tensor(input, "isfinite").array))


def equal(input, other):
    """True if both tensors have the same shape and elements."""
    a, b = _tensor(input, "equal"), _tensor(other, "equal", "other")
    return a.shape == b.shape and bool(np.all(a.array == b.array))


def isclose(input, other, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Element-wise ``|input - other| <= atol + rtol * |other|`` (a bool tensor)."""
    a, b = _tensor(input, "isclose"), _tensor(other, "isclose", "other")
    return _wrap(np.isclose(a.array, b.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-5, atol=1e-8, equal_nan=False):
    a, b = _tensor(input, "allclose"), _tensor(other, "allclose", "other")
    return bool(np.allclose(a.array, b.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


# ---------------------------------------------------------------------------------------
# dtype casts and copies
# ---------------------------------------------------------------------------------------
class Cast(Function):
    """Convert to ``dtype``; the gradient is cast back to the input's dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.src_dtype = x.array.dtype
        return x.array.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return cast(g, ctx.src_dtype), None


def cast(input, dtype):
    """Convert to ``dtype``; differentiable between floating dtypes."""
    x = _tensor(input, "cast")
    dtype = np.dtype(dtype)
    if x.array.dtype == dtype:
        return x
    if dtype.kind != "f":
        return _wrap(x.array.astype(dtype))
    return Cast.apply(x, dtype)


class Clone(Function):
    """A copy of the data that stays in the graph (its gradient is the identity)."""

    @staticmethod
    def forward(ctx, x):
        return x.array.copy()

    @staticmethod
    def backward(ctx, g):
        return g


def clone(input):
    """A copy of the data that stays in the graph (its gradient is the identity)."""
    return Clone.apply(_tensor(input, "clone"))
