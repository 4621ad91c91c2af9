"""Claims of ``ember.lab.claims.initialization`` in fast mode, and the layer the symmetry
experiment is built on."""
import numpy as np

import ember
from ember import nn
from ember.lab.claims.initialization import ProductSumLinear


def test_zero_init_symmetry(run_fast):
    r = run_fast("zero-init-symmetry")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["max_hidden_row_difference_zeros"] == 0 and n["max_hidden_row_difference_constant"] == 0
    assert n["hidden_weight_rank_constant"] == [1] and n["hidden_weight_rank_random"] == [32]
    assert n["test_accuracy_random"][0] > 0.85 > 0.3 > n["test_accuracy_constant"][0]


def test_product_sum_linear_computes_nn_linear():
    # the same function, parameters and gradients as nn.Linear, up to float32 rounding
    rs = np.random.default_rng(0)
    x = rs.normal(size=(7, 5)).astype(np.float32)
    ref = nn.Linear(5, 3, generator=ember.Generator().manual_seed(0))
    lin = ProductSumLinear(5, 3, generator=ember.Generator().manual_seed(0))
    assert np.array_equal(ref.weight.array, lin.weight.array) and np.array_equal(ref.bias.array, lin.bias.array)
    xr, xl = ember.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    out_r, out_l = ref(xr), lin(xl)
    np.testing.assert_allclose(out_l.array, out_r.array, rtol=1e-5, atol=1e-6)
    (out_r ** 2).sum().backward()
    (out_l ** 2).sum().backward()
    np.testing.assert_allclose(lin.weight.grad.array, ref.weight.grad.array, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(lin.bias.grad.array, ref.bias.grad.array, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(xl.grad.array, xr.grad.array, rtol=1e-5, atol=1e-5)


def test_product_sum_linear_gives_equal_units_bitwise_equal_outputs_and_gradients():
    # the claim's shapes: 600 digits-like rows, 64 inputs, 32 units with one shared weight row
    rs = np.random.default_rng(1)
    x = ember.tensor(rs.uniform(0, 1, (600, 64)).astype(np.float32))
    lin = ProductSumLinear(64, 32)
    lin.weight.array[:] = rs.normal(0, 0.1, 64).astype(np.float32)
    lin.bias.array[:] = 0.05
    out = lin(x)
    assert (out.array == out.array[:, :1]).all()
    g = ember.tensor(rs.normal(0, 1, (600, 1)).astype(np.float32) * np.ones((1, 32), np.float32))
    (out * g).sum().backward()
    assert (lin.weight.grad.array == lin.weight.grad.array[:1]).all()
    assert (lin.bias.grad.array == lin.bias.grad.array[0]).all()


def test_init_scale(run_fast):
    r = run_fast("init-scale")
    n = r.numbers
    assert r.verdict == "holds"
    assert n["saturated_fraction_last_layer_tanh_normal"] > 0.5
    assert n["std_last_over_first_relu_normal"] > 1e3
    assert 0.5 < n["std_last_over_first_relu_he"] < 2 and n["std_last_over_first_relu_xavier"] < 0.1


def test_init_scale_is_deterministic(run_fast):
    a, b = run_fast("init-scale"), run_fast("init-scale")
    assert a.numbers == b.numbers and a.verdict == b.verdict
