"""Compare nested ember/torch batches: same containers, same values, same dtypes."""
import numpy as np
import torch

import ember


def to_np(x):
    if isinstance(x, ember.Tensor):
        return x.detach().numpy()
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    return x


def assert_same(e, t, where="batch"):
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{where}: ember gave {type(e).__name__}, torch a tensor"
        a, b = to_np(e), to_np(t)
        assert a.shape == b.shape, f"{where}: shape {a.shape} vs torch {b.shape}"
        assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} vs torch {b.dtype}"
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(t, dict):
        assert isinstance(e, dict) and list(e) == list(t), f"{where}: keys {e!r} vs {t!r}"
        for k in t:
            assert_same(e[k], t[k], f"{where}[{k!r}]")
    elif isinstance(t, (list, tuple)):
        assert type(e) is type(t), f"{where}: container {type(e).__name__} vs torch {type(t).__name__}"
        assert len(e) == len(t), f"{where}: length {len(e)} vs torch {len(t)}"
        for i, (a, b) in enumerate(zip(e, t)):
            assert_same(a, b, f"{where}[{i}]")
    else:
        assert e == t, f"{where}: {e!r} vs torch {t!r}"
