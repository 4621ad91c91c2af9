"""torch's type promotion (float32 with int64 stays float32; 0-d tensors and Python numbers
rank below dimensioned tensors), checked against torch for every pair of dtypes."""
import itertools

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
PAIRS = list(itertools.product(DTYPES, DTYPES))


pytestmark = pytest.mark.usefixtures("torch_float32_default")   # both libraries' defaults: float32


def _name(dtype):
    return str(dtype).replace("torch.", "")


@pytest.mark.parametrize("a,b", PAIRS)
def test_result_type_and_arithmetic_match_torch(a, b):
    for na, nb in [(1, 1), (0, 1), (1, 0), (0, 0)]:
        ta, tb = torch.zeros((2,) * na, dtype=getattr(torch, a)), torch.zeros((2,) * nb, dtype=getattr(torch, b))
        ea, eb = ember.zeros((2,) * na, dtype=a), ember.zeros((2,) * nb, dtype=b)
        assert str(ember.result_type(ea, eb)) == _name(torch.result_type(ta, tb)), (a, b, na, nb)
        assert str(ember.promote_types(a, b)) == _name(torch.promote_types(getattr(torch, a), getattr(torch, b)))
        if "bool" not in (a, b):
            assert str((ea * eb).dtype) == _name((ta * tb).dtype), (a, b, na, nb)
            assert str(ember.where(ember.ones((), dtype="bool"), ea, eb).dtype) == \
                _name(torch.where(torch.ones((), dtype=torch.bool), ta, tb).dtype)


@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("scalar", [True, 3, 2.5])
def test_python_numbers_do_not_promote_a_tensor_of_their_category(a, scalar):
    t, e = torch.zeros(2, dtype=getattr(torch, a)), ember.zeros(2, dtype=a)
    assert str(ember.result_type(e, scalar)) == _name(torch.result_type(t, scalar))


def test_float32_op_int64_stays_float32_through_losses_and_cat():
    x = ember.randn(4, 3)
    y = ember.tensor([[1, 0, 2]] * 4)
    assert (x - y).dtype == np.float32 and ember.cat([x, y]).dtype == np.float32
    assert ember.nn.MSELoss()(x, y).dtype == np.float32
    ref = torch.nn.MSELoss()(torch.from_numpy(x.numpy()), torch.from_numpy(y.numpy()))
    np.testing.assert_allclose(ember.nn.MSELoss()(x, y).item(), ref.item(), rtol=1e-6)


def test_gradient_keeps_the_float_dtype():
    x = ember.randn(3, requires_grad=True)
    (x * ember.tensor([1, 2, 3])).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [1, 2, 3])
