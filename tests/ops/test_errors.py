"""Bad input gets an exception that names the op, the shapes or values, and what to do."""
import pytest

import ember


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) cannot be multiplied"):
        ember.ones(2, 3) @ ember.ones(4, 5)
    with pytest.raises(ValueError, match=r"matmul: shapes \(3,\) and \(2,\)"):
        ember.matmul(ember.ones(3), ember.ones(2))
    with pytest.raises(ValueError, match="batch dimensions"):
        ember.ones(2, 2, 3) @ ember.ones(3, 3, 4)
    with pytest.raises(ValueError, match="at least one dimension"):
        ember.matmul(ember.tensor(1.0), ember.ones(2))


def test_broadcast_errors_name_the_op_and_shapes():
    for op in ("add", "mul", "sub", "div", "maximum"):
        with pytest.raises(ValueError, match=rf"{op}: shapes \(2, 3\) and \(4,\) are not broadcastable"):
            getattr(ember, op)(ember.ones(2, 3), ember.ones(4))
    with pytest.raises(ValueError, match="broadcast_to"):
        ember.ones(3).broadcast_to((2, 4))


def test_cat_and_stack_mismatch():
    with pytest.raises(ValueError, match=r"cat: tensors\[0\] has shape \(2, 3\) but tensors\[1\] has shape \(2, 4\)"):
        ember.cat([ember.ones(2, 3), ember.ones(2, 4)], dim=0)
    with pytest.raises(ValueError, match="stack"):
        ember.stack([ember.ones(2), ember.ones(3)])
    with pytest.raises(ValueError, match="non-empty"):
        ember.cat([])


def test_backward_on_non_scalar_without_gradient():
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*shape \(3,\).*gradient="):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="mismatch in shape"):
        (x * 2).backward(ember.ones(4))


def test_second_backward_through_freed_graph():
    x = ember.ones(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_grad_of_tensor_that_does_not_require_grad():
    x = ember.ones(3)
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x * 2).sum().backward()
    w = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"inputs\[0\] does not require grad"):
        ember.autograd.grad((w * 2).sum(), [x])


def test_in_place_change_of_a_saved_tensor_is_detected():
    x = ember.ones(3, requires_grad=True)
    h = x * 1
    y = (h * h).sum()            # saves h
    with ember.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place operation.*clone"):
        y.backward()
    z = x.exp()                  # saves its output
    with ember.no_grad():
        z.mul_(2)
    with pytest.raises(RuntimeError, match="in-place"):
        z.sum().backward()


def test_in_place_on_a_leaf_that_requires_grad():
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf.*in-place.*no_grad"):
        x.add_(1)
    with ember.no_grad():
        x.add_(1)
    assert x.tolist() == [2.0, 2.0, 2.0]


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point.*int64"):
        ember.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        ember.arange(3).requires_grad_()


def test_bad_dims_and_indices():
    x = ember.ones(2, 3)
    with pytest.raises(IndexError, match=r"sum: dim=2 is out of range.*2 dimensions"):
        x.sum(2)
    with pytest.raises(ValueError, match="reshape"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match="permutation"):
        x.permute(0, 0)
    with pytest.raises(IndexError, match="gather: index values"):
        x.gather(1, ember.tensor([[5]]))
    with pytest.raises(TypeError, match="index must be an integer"):
        x.gather(1, ember.tensor([[0.5]]))
    with pytest.raises(IndexError, match=r"shape \(2, 3\)"):
        x[5]
    with pytest.raises(ValueError, match="split"):
        ember.split(x, [1, 1], 1)
    with pytest.raises(ValueError, match="clamp"):
        x.clamp()
    with pytest.raises(TypeError, match="mean: input dtype int64"):
        ember.arange(3).mean()


def test_bad_creation_arguments():
    with pytest.raises(ValueError, match="size must be non-negative"):
        ember.zeros(-1)
    with pytest.raises(ValueError, match="randint: high=2 must be greater than low=5"):
        ember.randint(5, 2, (3,))
    with pytest.raises(TypeError, match="manual_seed"):
        ember.manual_seed("x")
    with pytest.raises(TypeError, match="generator"):
        ember.rand(2, generator=42)
    with pytest.raises(TypeError, match="cannot make a tensor"):
        ember.tensor([object()])
