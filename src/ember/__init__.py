"""ember: deep learning and machine learning from first principles on NumPy.

    >>> import ember
    >>> x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> y = (x @ x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([[ 7., 11.],
            [ 9., 13.]])
"""
import numpy as _np

from . import autograd  # noqa: F401
from .autograd import Tensor, no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode  # noqa: F401
from .autograd.tensor import get_default_dtype, set_default_dtype  # noqa: F401
from .ops import *  # noqa: F401,F403  (also binds the Tensor methods and operators)
from .ops import sum, max, min, abs, pow, all, any, round  # noqa: F401  (shadow builtins on purpose)
from .ops._out import OUT_FUNCTIONS as _OUT_FUNCTIONS, with_out as _with_out
for _name in _OUT_FUNCTIONS:        # ember.mul(a, b, out=c), as torch
    globals()[_name] = _with_out(globals()[_name])
from .creation import (  # noqa: F401
    tensor, as_tensor, from_numpy, zeros, ones, empty, full, eye, arange, linspace,
    zeros_like, ones_like, empty_like, full_like, rand, randn, randint, randperm, normal,
    bernoulli, rand_like, randn_like, randint_like,
)
from .random import Generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state, default_generator  # noqa: F401
from . import backend  # noqa: F401
from .backend import device, set_default_device, get_default_device  # noqa: F401
from .autograd.tensor import Size  # noqa: F401
from .runtime import *  # noqa: F401,F403
import importlib as _importlib
import os as _os

if _os.environ.get("EMBER_KEEP_MEMORY", "1") != "0":
    backend.keep_memory()

# Sub-packages load on first use, so `import ember` stays quick and a package that is
# still being written cannot break the others.
_SUBMODULES = ("nn", "optim", "data", "train", "models", "detection", "tune", "ml", "metrics", "lab",
               "serialization", "cli", "utils", "cuda", "accelerator", "backends", "onnx", "text")


def __getattr__(name):
    if name in _SUBMODULES:
        return _importlib.import_module(f"ember.{name}")
    if name in ("save", "load"):
        return getattr(_importlib.import_module("ember.serialization"), name)
    raise AttributeError(f"module 'ember' has no attribute {name!r}; its sub-packages are "
                         f"{', '.join(_SUBMODULES)} (if you came for torch.{name}: ember does not have it; "
                         f"README, 'Coming from PyTorch', lists what is missing and what to use instead)")

__version__ = "0.1.0"

# dtypes, with torch's names
float16 = half = _np.dtype(_np.float16)
float32 = float = _np.dtype(_np.float32)
float64 = double = _np.dtype(_np.float64)
int8 = _np.dtype(_np.int8)
uint8 = _np.dtype(_np.uint8)
int16 = short = _np.dtype(_np.int16)
int32 = int = _np.dtype(_np.int32)
int64 = long = _np.dtype(_np.int64)
bool = _np.dtype(_np.bool_)
