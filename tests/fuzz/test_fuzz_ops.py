"""Fuzzing the tensor ops: odd dtypes (ints, bools, float16), empty and 0-d shapes, dims out
of range or of the wrong type, bad scalars. Every call returns or raises a clear error (see
``_common.call``); a float result of finite float input in an op's domain holds no NaN."""
import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import ember
import ember.nn.functional as F
from ._common import call

DTYPES = st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_, np.float16])
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
DIMS = st.one_of(st.none(), st.integers(-4, 4), st.tuples(st.integers(-3, 3), st.integers(-3, 3)),
                 st.sampled_from([1.5, "0", [0]]))


@st.composite
def tensors(draw, shape=SHAPES, dtype=DTYPES, requires_grad=st.booleans()):
    dt = draw(dtype)
    shp = draw(shape)
    if np.dtype(dt).kind == "f":
        elements = st.floats(-3, 3, width=16 if dt == np.float16 else 32)
    elif np.dtype(dt) == np.bool_:
        elements = st.booleans()
    else:
        info = np.iinfo(dt)
        elements = st.integers(max(info.min, -5), min(info.max, 5))
    arr = draw(hnp.arrays(dt, shp, elements=elements))
    t = ember.tensor(arr)
    if np.dtype(dt).kind == "f" and draw(requires_grad):
        t.requires_grad_()
    return t


def _no_nan(out, *inputs):
    outs = out if isinstance(out, (tuple, list)) else [out]
    if not all(np.isfinite(np.asarray(i.array, dtype=np.float64)).all() for i in inputs):
        return
    for o in outs:
        if isinstance(o, ember.Tensor) and o.dtype.kind == "f" and o.numel():
            assert not np.isnan(o.array).any(), f"NaN from finite input: {o}"


def _backward(out, x):
    """If the op recorded a graph, backward must work too (clear error or a gradient of x's shape)."""
    if isinstance(out, ember.Tensor) and out.requires_grad and out.numel():
        if call(lambda: out.sum().backward()) is not None or x.grad is not None:
            assert x.grad is None or x.grad.shape == x.shape


UNARY = ["neg", "abs", "exp", "sqrt", "log", "sin", "tanh", "sigmoid", "relu", "sign", "square",
         "clone", "flatten", "t", "isnan", "logical_not"]
TOTAL = {"neg", "abs", "sin", "tanh", "sigmoid", "relu", "sign", "square", "clone", "flatten", "t"}


@settings(max_examples=60, deadline=None)
@given(x=tensors(), name=st.sampled_from(UNARY))
def test_unary(x, name):
    out = call(getattr(ember, name, None) or getattr(ember.Tensor, name), x, names=(name, "input"))
    if name in TOTAL and out is not None:
        _no_nan(out, x)
    _backward(out, x)


REDUCTIONS = ["sum", "mean", "var", "std", "prod", "amax", "amin", "max", "min", "argmax", "argmin",
              "logsumexp", "softmax", "log_softmax", "cumsum", "norm", "any", "all", "squeeze",
              "unsqueeze", "flip"]


@settings(max_examples=80, deadline=None)
@given(x=tensors(), name=st.sampled_from(REDUCTIONS), dim=DIMS, keep=st.booleans())
def test_reductions_with_any_dim(x, name, dim, keep):
    fn = getattr(ember.Tensor, name)
    if name in ("softmax", "log_softmax", "cumsum", "unsqueeze", "flip"):
        out = call(fn, x, dim, names=(name, "dim"))
    elif name in ("squeeze",):
        out = call(fn, x, dim, names=(name, "dim"))
    elif name == "norm":
        out = call(fn, x, dim=dim, keepdim=keep, names=(name, "dim", "input"))
    else:
        out = call(fn, x, dim, keepdim=keep, names=(name, "dim", "input"))
    if out is not None and name in ("sum", "amax", "softmax", "logsumexp", "cumsum", "norm") and x.numel():
        _no_nan(out, x)
    _backward(out if not isinstance(out, tuple) else out[0], x)


BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "lt", "floor_divide", "remainder",
          "matmul", "where_gt", "cat", "stack"]


@settings(max_examples=80, deadline=None)
@given(a=tensors(), b=st.one_of(tensors(), st.sampled_from([0, 1, -1, 2.5, True, float("nan"), "x", None, [1, 2]])),
       name=st.sampled_from(BINARY))
def test_binary(a, b, name):
    if name == "where_gt":
        out = call(lambda: ember.where(a > 0, a, b), names=("where", "condition", "other", "input"))
    elif name in ("cat", "stack"):
        out = call(getattr(ember, name), [a, b], names=(name, "tensors", "input", "dim"))
    else:
        out = call(getattr(ember, name), a, b, names=(name, "input", "other", "exponent", "shapes", "division"))
    _backward(out, a)


@settings(max_examples=60, deadline=None)
@given(x=tensors(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4)),
       data=st.data())
def test_shape_and_index_ops(x, data):
    n = x.ndim
    dim = data.draw(st.integers(-n - 1, n))
    start, length = data.draw(st.integers(-5, 5)), data.draw(st.integers(-2, 5))
    size = data.draw(st.one_of(st.integers(-2, 5), st.lists(st.integers(-1, 4), max_size=3)))
    idx = data.draw(st.one_of(st.integers(-5, 5), st.slices(5), st.lists(st.integers(-5, 5), max_size=3)))
    names = ("dim", "start", "length", "index", "shape", "size", "split", "narrow", "reshape", "view",
             "chunk", "repeat", "permute", "transpose", "gather", "expand", "sizes", "sections")
    for fn in (lambda: x.narrow(dim, start, length), lambda: x.reshape(size), lambda: x.view(size),
               lambda: x.split(size, dim), lambda: x.chunk(length, dim), lambda: x.transpose(dim, 0),
               lambda: x.permute(size) if isinstance(size, list) else x.permute(size),
               lambda: x.repeat(size) if isinstance(size, list) else x.repeat(size),
               lambda: x[idx], lambda: x.expand(size) if isinstance(size, list) else x.expand(size),
               lambda: x.gather(dim, ember.tensor(np.zeros(x.shape, dtype=np.int64)) + length),
               lambda: x.index_select(dim, ember.tensor([start]))):
        _backward(call(fn, names=names), x)


@settings(max_examples=40, deadline=None)
@given(data=st.one_of(st.none(), st.text(max_size=3), st.binary(max_size=3), st.lists(st.text(max_size=1), max_size=2),
                      st.lists(st.integers(-2 ** 70, 2 ** 70), max_size=3), st.complex_numbers(),
                      st.dictionaries(st.text(max_size=1), st.integers(), max_size=1),
                      st.recursive(st.integers(), lambda c: st.lists(c, max_size=3), max_leaves=6)),
       dtype=st.sampled_from([None, "float32", "int64", "nope", np.complex64, object]),
       rg=st.booleans())
def test_tensor_constructor(data, dtype, rg):
    call(ember.tensor, data, dtype=dtype, requires_grad=rg, names=("tensor", "dtype", "data", "grad"))


@settings(max_examples=40, deadline=None)
@given(size=st.one_of(st.integers(-3, 4), st.tuples(st.integers(-2, 3), st.integers(-2, 3)), st.floats(-2, 3),
                      st.text(max_size=2)),
       name=st.sampled_from(["zeros", "ones", "empty", "randn", "rand", "randperm", "arange", "eye"]))
def test_creation(size, name):
    fn = getattr(ember, name)
    out = call(fn, *(size if isinstance(size, tuple) else (size,)),
               names=(name, "size", "n", "shape", "end", "dimension", "negative"))
    if out is not None:
        assert isinstance(out, ember.Tensor)


@settings(max_examples=40, deadline=None)
@given(x=tensors(dtype=st.sampled_from([np.float32, np.float64])),
       g=st.one_of(st.none(), tensors(), st.sampled_from([1, 2.0, "x"])))
def test_backward_arguments(x, g):
    x.requires_grad_()
    y = x * 2
    call(y.backward, g, names=("grad", "gradient", "shape", "scalar", "tensor"))
