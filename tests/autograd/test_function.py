"""``ember.autograd.Function``, the public way to write an op, against torch's custom
``torch.autograd.Function``: values, gradients and double backward, and each piece of the
ctx contract (save_for_backward and version checks, needs_input_grad,
mark_non_differentiable, set_materialize_grads, mark_dirty, once_differentiable, several
outputs, broadcast gradients)."""
import copy
import pickle

import numpy as np
import pytest
import torch

import ember
from ember.autograd import Function, once_differentiable
from tests.ops._parity import check


def _pair(ember_fn, torch_fn):
    return lambda m, *xs: (ember_fn if m is ember else torch_fn).apply(*xs)


# ---- a cube whose backward is written by hand (no saved tensors: it keeps x itself) ------
class CubeE(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return x.array ** 3

    @staticmethod
    def backward(ctx, g):
        return g * 3 * ctx.x ** 2


class CubeT(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        return g * 3 * ctx.x ** 2


# ---- the torch tutorial's LegendrePolynomial3, with save_for_backward -------------------
class Legendre3E(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (5 * x.array ** 3 - 3 * x.array)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 1.5 * (5 * x ** 2 - 1)


class Legendre3T(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (5 * x ** 3 - 3 * x)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 1.5 * (5 * x ** 2 - 1)


# ---- exp saving its own output (torch's docs example) -----------------------------------
class ExpE(Function):
    @staticmethod
    def forward(ctx, x):
        result = x.exp()                  # computed with ember ops: forward runs unrecorded
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, g):
        result, = ctx.saved_tensors
        return g * result


class ExpT(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        result = x.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, g):
        result, = ctx.saved_tensors
        return g * result


# ---- two inputs, a non-tensor argument, needs_input_grad --------------------------------
class ScaledMulE(Function):
    @staticmethod
    def forward(ctx, a, b, scale):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a.array * b.array * scale

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g * b * ctx.scale if ctx.needs_input_grad[0] else None
        gb = g * a * ctx.scale if ctx.needs_input_grad[1] else None
        return ga, gb, None


class ScaledMulT(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a, b, scale):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a * b * scale

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g * b * ctx.scale if ctx.needs_input_grad[0] else None
        gb = g * a * ctx.scale if ctx.needs_input_grad[1] else None
        return ga, gb, None


# ---- two differentiable outputs ---------------------------------------------------------
class SinCosE(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x.array), np.cos(x.array)

    @staticmethod
    def backward(ctx, gs, gc):
        x, = ctx.saved_tensors
        return gs * x.cos() - gc * x.sin()


class SinCosT(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, gs, gc):
        x, = ctx.saved_tensors
        return gs * x.cos() - gc * x.sin()


RNG = np.random.default_rng(0)


@pytest.mark.parametrize("pair", [(CubeE, CubeT), (Legendre3E, Legendre3T), (ExpE, ExpT)],
                         ids=["cube", "legendre3", "exp-saves-output"])
def test_custom_unary_function_matches_torch_to_second_order(pair):
    check(_pair(*pair), [RNG.standard_normal((3, 4))])


def test_two_inputs_and_a_constant_argument_match_torch():
    check(_pair(ScaledMulE, ScaledMulT), [RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3)), 0.5],
          grad_mask=[True, True, False])
    check(_pair(ScaledMulE, ScaledMulT), [RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3)), 0.5],
          grad_mask=[True, False, False])


def test_several_differentiable_outputs_match_torch():
    check(lambda m, x: (SinCosE if m is ember else SinCosT).apply(x), [RNG.standard_normal(5)])
    # only one of the two outputs used: the other output's gradient is materialised as zeros
    x = ember.tensor(RNG.standard_normal(4), requires_grad=True)
    s, c = SinCosE.apply(x)
    assert s.grad_fn is not None and s.grad_fn.name() == "SinCosEBackward"
    (c * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), -2 * np.sin(x.detach().numpy()))


def test_custom_function_in_a_larger_graph_gradcheck():
    x = ember.tensor(RNG.standard_normal((3,)), requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: Legendre3E.apply(t.sin()) * CubeE.apply(t), [x])
    assert ember.autograd.gradgradcheck(lambda t: Legendre3E.apply(t.sin()) * CubeE.apply(t), [x])


def test_in_place_change_of_a_saved_tensor_raises_the_built_in_error():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = Legendre3E.apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()
    # the same message as for a built-in op
    h2 = x * 1.0
    y2 = h2 * h2
    h2.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y2.sum().backward()
    # and the output saved by ExpE
    y3 = ExpE.apply(x * 1.0)
    y3.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y3.sum().backward()


def test_second_backward_without_retain_graph_raises():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = Legendre3E.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_mark_non_differentiable_sort_example():
    class SortE(Function):
        @staticmethod
        def forward(ctx, x):
            idx = np.argsort(x.array, kind="stable")
            ctx.mark_non_differentiable(idx)
            ctx.idx = idx
            return x.array[idx], idx

        @staticmethod
        def backward(ctx, g, g_idx):
            out = ember.zeros(g.shape, dtype=g.dtype)
            out[ember.tensor(ctx.idx)] = g
            return out

    x = ember.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, idx = SortE.apply(x)
    assert values.requires_grad and not idx.requires_grad and idx.dtype == ember.int64
    (values * ember.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 10.0]


def test_set_materialize_grads_false_gives_none_for_unused_outputs():
    seen = []

    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x.array * 2, x.array * 3

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append((g1 is None, g2 is None))
            return (0 if g1 is None else g1 * 2) + (0 if g2 is None else g2 * 3)

    x = ember.tensor([1.0], requires_grad=True)
    a, b = Two.apply(x)
    b.sum().backward()
    assert seen == [(True, False)] and x.grad.tolist() == [3.0]


def test_mark_dirty_in_place_function():
    class AddOneInPlace(Function):
        @staticmethod
        def forward(ctx, x):
            x.array += 1
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    leaf = ember.tensor([1.0, 2.0], requires_grad=True)
    h = leaf * 2
    out = AddOneInPlace.apply(h)
    assert out is h and h.tolist() == [3.0, 5.0] and h.grad_fn.name() == "AddOneInPlaceBackward"
    (h * h).sum().backward()
    assert leaf.grad.tolist() == [12.0, 20.0]        # d/dleaf (2 leaf + 1)^2 = 4 (2 leaf + 1)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        AddOneInPlace.apply(ember.tensor([1.0], requires_grad=True))


def test_once_differentiable_runs_once_and_refuses_a_second_derivative():
    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.array ** 2

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            assert not ember.is_grad_enabled()
            return ember.tensor(2 * x.array * g.array)

    x = ember.tensor([3.0], requires_grad=True)
    v = ember.tensor([1.0], requires_grad=True)      # (as in torch: only gradients that
    (dx,) = ember.autograd.grad(Square.apply(x), x, v, create_graph=True)   # require grad count)
    assert dx.tolist() == [6.0] and dx.requires_grad
    with pytest.raises(RuntimeError, match="once_differentiable"):
        dx.sum().backward()


def test_broadcast_gradient_is_summed_back_and_bad_gradients_are_named():
    class AddBias(Function):
        @staticmethod
        def forward(ctx, x, b):
            return x.array + b.array

        @staticmethod
        def backward(ctx, g):
            return g, g                  # g has x's shape; b's is summed back as in torch

    x = ember.ones(4, 3, requires_grad=True)
    b = ember.zeros(3, requires_grad=True)
    AddBias.apply(x, b).sum().backward()
    assert b.grad.tolist() == [4.0, 4.0, 4.0]

    class WrongShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x.array

        @staticmethod
        def backward(ctx, g):
            return ember.ones(7)

    with pytest.raises(RuntimeError, match=r"WrongShapeBackward.backward returned a gradient of shape \(7,\) "
                                            r"for argument 0 of shape \(3,\)"):
        WrongShape.apply(ember.ones(3, requires_grad=True)).sum().backward()

    class WrongCount(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x.array + y.array

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="returned 1 gradients but forward took 2 arguments"):
        WrongCount.apply(ember.ones(2, requires_grad=True), ember.ones(2)).sum().backward()

    class NotATensor(Function):
        @staticmethod
        def forward(ctx, x):
            return x.array

        @staticmethod
        def backward(ctx, g):
            return "oops"

    with pytest.raises(TypeError, match="returned a str as the gradient of argument 0"):
        NotATensor.apply(ember.ones(2, requires_grad=True)).sum().backward()


def test_no_graph_under_no_grad_and_for_inputs_without_grad():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with ember.no_grad():
        y = Legendre3E.apply(x)
    assert y.grad_fn is None and not y.requires_grad
    z = Legendre3E.apply(ember.tensor([1.0, 2.0]))
    assert z.grad_fn is None and not z.requires_grad


# ---- Parameter is a Tensor ---------------------------------------------------------------
def test_parameter_is_a_tensor_and_survives_copies_and_state_dicts():
    lin = ember.nn.Linear(2, 3)
    assert isinstance(lin.weight, ember.nn.Parameter) and isinstance(lin.weight, ember.Tensor)
    for clone in (copy.deepcopy(lin), pickle.loads(pickle.dumps(lin))):
        assert isinstance(clone.weight, ember.nn.Parameter) and clone.weight.requires_grad
        assert clone.weight is not lin.weight
        np.testing.assert_array_equal(clone.weight.numpy(force=True), lin.weight.numpy(force=True))
    lin.weight = lin.weight                     # re-assignment keeps the registration
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    other = ember.nn.Linear(2, 3)
    other.load_state_dict(lin.state_dict())
    assert all(isinstance(p, ember.nn.Parameter) for p in other.parameters())
    np.testing.assert_array_equal(other.weight.numpy(force=True), lin.weight.numpy(force=True))
    # a Parameter takes every op's fast path and records like any leaf
    out = lin(ember.ones(1, 2))
    out.sum().backward()
    assert lin.weight.grad.shape == (3, 2)
    assert isinstance(lin.weight * 2, ember.Tensor) and not isinstance(lin.weight * 2, ember.nn.Parameter)


def test_deepcopy_of_a_non_leaf_raises():
    x = ember.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)
    y = copy.deepcopy(x)
    assert y.requires_grad and y is not x and y.tolist() == [1.0]


def test_backward_frees_saved_outputs_while_the_graph_lives_on():
    # tanh saves its own output; after a backward without retain_graph the array must go,
    # even though `loss` (and so the graph) is still referenced: activations of a deep net
    # would otherwise all stay alive through the backward pass
    import gc
    import weakref
    x = ember.randn(1000, requires_grad=True)
    h = x.tanh()
    ref = weakref.ref(h.array)
    loss = (h * 2).sum()
    del h
    gc.collect()
    assert ref() is not None            # kept for backward
    loss.backward()
    gc.collect()
    assert ref() is None and loss.grad_fn is not None
