"""The backend seam: NumPy by default; CuPy only where a GPU is present."""
import numpy as np
import pytest

import ember
from ember import backend


def test_numpy_is_the_default_module():
    x = ember.ones(3)
    assert backend.get_array_module(x.array) is np
    assert backend.get_array_module(np.zeros(2), [1, 2]) is np
    assert x.device == "cpu" and x.to("cpu") is x
    assert backend.module_for_device("cpu") is np


def test_unknown_device_and_missing_gpu_are_clear_errors():
    with pytest.raises(ValueError, match="device='tpu' is not a known device"):
        backend.module_for_device("tpu")
    if not backend.cupy_available():
        with pytest.raises(RuntimeError, match="needs CuPy and a GPU"):
            ember.zeros(2, device="cuda")


@pytest.mark.skipif(not backend.cupy_available(), reason="needs CuPy and a GPU")
def test_cupy_tensors_run_the_same_ops():  # pragma: no cover - GPU machines only
    x = ember.randn(4, 3, dtype=ember.float64).to("cuda").requires_grad_()
    w = ember.randn(3, 2, dtype=ember.float64).to("cuda").requires_grad_()
    loss = (x @ w).tanh().log_softmax(1).sum()
    loss.backward()
    assert x.grad.device == "cuda"
    xc, wc = x.detach().cpu().requires_grad_(), w.detach().cpu().requires_grad_()
    (xc @ wc).tanh().log_softmax(1).sum().backward()
    np.testing.assert_allclose(backend.to_numpy(x.grad.array), xc.grad.numpy(), rtol=1e-10)
