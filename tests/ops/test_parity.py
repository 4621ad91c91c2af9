"""Every op against torch: values, first and second derivatives (float64) on shapes drawn
by hypothesis, with values from a seeded generator (continuous, so no accidental ties;
ties have their own tests below)."""
import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import ember
from ._parity import check

F = torch.nn.functional


def values(seed, shape, lo=-2.0, hi=2.0):
    return np.random.default_rng(seed).uniform(lo, hi, size=shape)


shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
shapes_nd = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
seeds = st.integers(0, 2 ** 16)

POS = (0.2, 3.0)
UNARY = {
    "neg": (lambda m, x: m.neg(x), None),
    "abs": (lambda m, x: m.abs(x), None),
    "exp": (lambda m, x: m.exp(x), None),
    "log": (lambda m, x: m.log(x), POS),
    "log1p": (lambda m, x: m.log1p(x), POS),
    "sqrt": (lambda m, x: m.sqrt(x), POS),
    "rsqrt": (lambda m, x: m.rsqrt(x), POS),
    "sin": (lambda m, x: m.sin(x), None),
    "cos": (lambda m, x: m.cos(x), None),
    "tanh": (lambda m, x: m.tanh(x), None),
    "sigmoid": (lambda m, x: m.sigmoid(x), None),
    "relu": (lambda m, x: m.relu(x), None),
    "erf": (lambda m, x: m.erf(x), None),
    "gelu": (lambda m, x: m.nn.functional.gelu(x), None),
    "gelu_tanh": (lambda m, x: m.nn.functional.gelu(x, approximate="tanh"), None),
    "sign": (lambda m, x: m.sign(x), None),
    "clamp": (lambda m, x: m.clamp(x, -0.5, 0.7), None),
    "clamp_min": (lambda m, x: x.clamp(min=0.1), None),
    "pow_int": (lambda m, x: x ** 3, None),
    "pow_frac": (lambda m, x: x ** 2.5, POS),
    "square": (lambda m, x: m.square(x), None),
    "rsub": (lambda m, x: 2.0 - x, None),
    "rdiv": (lambda m, x: 2.0 / x, POS),
    "rpow": (lambda m, x: 2.0 ** x, None),
    "radd_rmul": (lambda m, x: 3.0 * (1.5 + x), None),
    "method_chain": (lambda m, x: (x * x).exp().mean() if x.ndim else x.exp(), None),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(shape=shapes, seed=seeds)
def test_unary(name, shape, seed):
    fn, dom = UNARY[name]
    lo, hi = dom or (-2.0, 2.0)
    check(fn, [values(seed, shape, lo, hi)])


BINARY = {
    "add": (lambda m, a, b: a + b, None),
    "sub": (lambda m, a, b: a - b, None),
    "mul": (lambda m, a, b: a * b, None),
    "div": (lambda m, a, b: a / b, POS),
    "pow": (lambda m, a, b: m.pow(a, b), POS),
    "maximum": (lambda m, a, b: m.maximum(a, b), None),
    "minimum": (lambda m, a, b: m.minimum(a, b), None),
    "where": (lambda m, a, b: m.where(a > b, a * 2, b), None),
    "atan_like": (lambda m, a, b: m.tanh(a) * m.sigmoid(b) - a / (1 + b * b), None),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4),
       seed=seeds)
def test_binary_broadcast(name, shapes, seed):
    fn, dom = BINARY[name]
    sa, sb = shapes.input_shapes
    a = values(seed, sa)
    b = values(seed + 1, sb, *(dom or (-2.0, 2.0)))
    if name == "pow":
        a = values(seed, sa, *POS)
    check(fn, [a, b])


def _dim_args(draw_dim, ndim):
    return draw_dim


REDUCE = {
    "sum": lambda m, x, d, k: m.sum(x, d, keepdim=k),
    "mean": lambda m, x, d, k: m.mean(x, d, keepdim=k),
    "var": lambda m, x, d, k: m.var(x, d, correction=1, keepdim=k),
    "var0": lambda m, x, d, k: m.var(x, d, correction=0, keepdim=k),
    "std": lambda m, x, d, k: m.std(x, d, keepdim=k),
    "amax": lambda m, x, d, k: m.amax(x, d, keepdim=k),
    "amin": lambda m, x, d, k: m.amin(x, d, keepdim=k),
    "logsumexp": lambda m, x, d, k: m.logsumexp(x, d, keepdim=k),
    "norm": lambda m, x, d, k: m.norm(x, 2, d, keepdim=k) if m is ember else torch.linalg.vector_norm(x, 2, d, keepdim=k),
}


@pytest.mark.parametrize("name", sorted(REDUCE))
@given(shape=shapes_nd, seed=seeds, keep=st.booleans(), data=st.data())
def test_reduce_dims(name, shape, seed, keep, data):
    nd = len(shape)
    dim = data.draw(st.one_of(st.integers(-nd, nd - 1),
                              st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True).map(tuple)))
    if name.startswith("var") or name == "std":
        dims = (dim,) if isinstance(dim, int) else dim
        if int(np.prod([shape[d] for d in dims])) < 2:
            return
    fn = REDUCE[name]
    check(lambda m, x: fn(m, x, dim, keep), [values(seed, shape)])


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "max", "min", "prod", "std", "var"])
@given(shape=shapes, seed=seeds)
def test_full_reductions(name, shape, seed):
    if name in ("std", "var") and int(np.prod(shape)) < 2:
        return
    lo, hi = (0.5, 1.5) if name == "prod" else (-2, 2)
    check(lambda m, x: getattr(m, name)(x), [values(seed, shape, lo, hi)])


DIMWISE = {
    "max_dim": lambda m, x, d: m.max(x, d).values,
    "max_dim_keep": lambda m, x, d: m.max(x, d, keepdim=True).values,
    "min_dim": lambda m, x, d: m.min(x, d).values,
    "prod_dim": lambda m, x, d: m.prod(x, d),
    "softmax": lambda m, x, d: m.softmax(x, d),
    "log_softmax": lambda m, x, d: m.log_softmax(x, d),
    "cumsum": lambda m, x, d: m.cumsum(x, d),
    "softmax_ce_like": lambda m, x, d: -(m.log_softmax(x * 3, d) * m.softmax(x, d)).sum(),
}


@pytest.mark.parametrize("name", sorted(DIMWISE))
@given(shape=shapes_nd, seed=seeds, data=st.data())
def test_dimwise(name, shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    lo, hi = (0.5, 1.5) if name == "prod_dim" else (-3, 3)
    check(lambda m, x: DIMWISE[name](m, x, dim), [values(seed, shape, lo, hi)])


@given(shape=shapes_nd, seed=seeds, data=st.data())
def test_indices_of_max_min_argmax(shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = values(seed, shape)
    e, t = ember.tensor(x), torch.tensor(x)
    assert np.array_equal(ember.max(e, dim).indices.numpy(), torch.max(t, dim).indices.numpy())
    assert np.array_equal(ember.min(e, dim, keepdim=True).indices.numpy(), torch.min(t, dim, keepdim=True).indices.numpy())
    assert np.array_equal(ember.argmax(e, dim).numpy(), torch.argmax(t, dim).numpy())
    assert np.array_equal(ember.argmin(e).numpy(), torch.argmin(t).numpy())
    assert ember.argmax(e).dtype == ember.int64


def test_ties_split_gradient_like_torch():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    check(lambda m, t: m.amax(t, 1), [x], second=False)
    check(lambda m, t: m.max(t), [x], second=False)
    check(lambda m, t: m.max(t, 1).values, [x], second=False)
    check(lambda m, a, b: m.maximum(a, b), [x, x.copy()], second=False)
    check(lambda m, t: m.relu(t - 2) + m.clamp(t, 2, 3) + m.abs(t - 2), [x], second=False)


def test_prod_with_zeros_first_derivative():
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]])
    check(lambda m, t: m.prod(t, 1), [x], second=False)
    check(lambda m, t: m.prod(t), [x], second=False)


def test_softmax_large_logits_stable():
    x = np.array([[1000.0, 0.0, -1000.0], [5e3, 5e3, 1.0]])
    check(lambda m, t: m.softmax(t, 1), [x])
    check(lambda m, t: m.log_softmax(t, 1), [x])
    check(lambda m, t: m.logsumexp(t, 1), [x])


# ---- shape ops --------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:The use of `x.T`")
@given(shape=shapes_nd, seed=seeds, data=st.data())
def test_reshape_family(shape, seed, data):
    nd = len(shape)
    x = values(seed, shape)
    n = int(np.prod(shape))
    check(lambda m, t: t.reshape(n, 1) * 2, [x])
    check(lambda m, t: t.reshape(-1).view(1, n), [x])
    s, e = sorted(data.draw(st.lists(st.integers(0, nd - 1), min_size=2, max_size=2)))
    check(lambda m, t: m.flatten(t, s, e), [x])
    d = data.draw(st.integers(-nd - 1, nd))
    check(lambda m, t: m.unsqueeze(t, d).sin(), [x])
    check(lambda m, t: m.squeeze(t).cos(), [x])
    if shape[0] == 1:
        check(lambda m, t: m.squeeze(t, 0), [x])
    perm = data.draw(st.permutations(range(nd)))
    check(lambda m, t: t.permute(*perm) * 1.5, [x])
    d0, d1 = data.draw(st.integers(0, nd - 1)), data.draw(st.integers(0, nd - 1))
    check(lambda m, t: m.transpose(t, d0, d1).exp(), [x])
    check(lambda m, t: t.T.tanh(), [x])


@given(shape=shapes_nd, seed=seeds, data=st.data())
def test_expand_and_broadcast_to(shape, seed, data):
    x = values(seed, tuple(1 if data.draw(st.booleans()) else s for s in shape))
    target = (2,) + tuple(shape)
    check(lambda m, t: m.broadcast_to(t, target) * m.broadcast_to(t, target), [x])
    check(lambda m, t: t.expand(*target).exp(), [x])
    check(lambda m, t: t.expand(3, *([-1] * x.ndim)), [x])


@given(shape=shapes_nd, seed=seeds, data=st.data())
def test_cat_stack_split_chunk(shape, seed, data):
    nd = len(shape)
    d = data.draw(st.integers(-nd, nd - 1))
    other = list(shape)
    other[d] = data.draw(st.integers(1, 3))
    a, b = values(seed, shape), values(seed + 1, tuple(other))
    check(lambda m, x, y: m.cat([x, y * 2], d), [a, b])
    check(lambda m, x, y: m.stack([x, x * y.sum()], d), [a, b])
    size = data.draw(st.integers(1, 4))
    check(lambda m, x: [p * (i + 1) for i, p in enumerate(m.split(x, size, d))], [a])
    check(lambda m, x: [p.exp() for p in m.chunk(x, size, d)], [a])
    sections = [1, shape[d] - 1] if shape[d] > 1 else [1]
    check(lambda m, x: [p.sum() * (i + 2) for i, p in enumerate(m.split(x, sections, d))], [a])


@given(shape=shapes_nd, seed=seeds, data=st.data())
def test_flip_roll_repeat_pad(shape, seed, data):
    nd = len(shape)
    x = values(seed, shape)
    dims = tuple(data.draw(st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True)))
    check(lambda m, t: m.flip(t, dims) * t, [x])
    shifts = tuple(data.draw(st.integers(-5, 5)) for _ in dims)
    check(lambda m, t: m.roll(t, shifts, dims) * t, [x])
    check(lambda m, t: m.roll(t, 2), [x])
    reps = tuple(data.draw(st.integers(1, 3)) for _ in range(nd + data.draw(st.integers(0, 1))))
    check(lambda m, t: t.repeat(*reps).sin(), [x])
    pads = []
    for i in range(data.draw(st.integers(1, nd))):
        pads += [data.draw(st.integers(-min(1, shape[nd - 1 - i] - 1), 2)), data.draw(st.integers(0, 2))]
    value = data.draw(st.sampled_from([0.0, 1.5]))
    check(lambda m, t: (ember.pad(t, pads, value=value) if m is ember else F.pad(t, pads, value=value)).exp(), [x])


# ---- indexing ---------------------------------------------------------------------------
@given(shape=hnp.array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=5), seed=seeds, data=st.data())
def test_indexing(shape, seed, data):
    x = values(seed, shape)
    check(lambda m, t: t[1:, ::2] * 2, [x])
    check(lambda m, t: t[..., -1].exp(), [x])
    check(lambda m, t: t[None, 0, :1], [x])
    idx = data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=6))
    check(lambda m, t: t[idx].sin() if m is torch else t[idx].sin(), [x])
    check(lambda m, t: t[m.tensor(idx)] * 3, [x])
    idx2 = data.draw(st.lists(st.integers(0, shape[1] - 1), min_size=len(idx), max_size=len(idx)))
    check(lambda m, t: t[m.tensor(idx), m.tensor(idx2)].exp(), [x])
    mask = np.random.default_rng(seed).random(shape) > 0.5
    check(lambda m, t: t[m.tensor(mask)] * 2, [x])
    check(lambda m, t: m.masked_fill(t, m.tensor(mask), -1.5).exp(), [x])
    check(lambda m, t: m.where(m.tensor(mask), t, t * t), [x])


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), seed=seeds, data=st.data())
def test_gather_scatter_index_select(shape, seed, data):
    nd = len(shape)
    d = data.draw(st.integers(0, nd - 1))
    rng = np.random.default_rng(seed)
    ishape = tuple(data.draw(st.integers(1, s)) if i != d else data.draw(st.integers(1, 4)) for i, s in enumerate(shape))
    index = rng.integers(0, shape[d], size=ishape)
    x = values(seed, shape)
    check(lambda m, t: m.gather(t, d, m.tensor(index)).exp(), [x])
    src = values(seed + 1, ishape)
    check(lambda m, t, s: m.scatter_add(t, d, m.tensor(index), s * s), [x, src])
    sel = rng.integers(0, shape[d], size=data.draw(st.integers(1, 5)))
    check(lambda m, t: m.index_select(t, d, m.tensor(sel)) * 2, [x])


# ---- matmul and einsum ------------------------------------------------------------------
@given(data=st.data(), seed=seeds)
def test_matmul_all_cases(data, seed):
    n, k, p = (data.draw(st.integers(1, 4)) for _ in range(3))
    batch = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    bb = tuple(1 if data.draw(st.booleans()) else s for s in batch)
    cases = [((k,), (k,)), ((n, k), (k,)), ((k,), (k, p)), ((n, k), (k, p)),
             (batch + (n, k), (k, p)), (batch + (n, k), bb + (k, p)), ((k,), batch + (k, p)),
             (batch + (n, k), (k,))]
    sa, sb = data.draw(st.sampled_from(cases))
    check(lambda m, a, b: a @ b, [values(seed, sa), values(seed + 1, sb)])
    check(lambda m, a, b: m.matmul(a.tanh(), b) * 2, [values(seed, sa), values(seed + 1, sb)])


@pytest.mark.parametrize("eq,shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ij,j->i", [(3, 4), (4,)]),
    ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij->ji", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,kj", [(2, 3), (4, 3)]),
])
def test_einsum(eq, shapes):
    arrays = [values(i, s) for i, s in enumerate(shapes)]
    check(lambda m, *ts: m.einsum(eq, *ts), arrays)


def test_comparisons_return_bool_tensors():
    a, b = ember.tensor([1.0, 2.0, 3.0]), ember.tensor([3.0, 2.0, 1.0])
    for op, expect in [("__lt__", [1, 0, 0]), ("__le__", [1, 1, 0]), ("__gt__", [0, 0, 1]),
                       ("__ge__", [0, 1, 1]), ("__eq__", [0, 1, 0]), ("__ne__", [1, 0, 1])]:
        r = getattr(a, op)(b)
        assert r.dtype == ember.bool and r.tolist() == [bool(e) for e in expect]
        assert not r.requires_grad
    assert (a > 1.5).tolist() == [False, True, True]
    assert ((a > 1.5) & (b > 1.5)).tolist() == [False, True, False]
    assert (~(a > 1.5)).tolist() == [True, False, False]
