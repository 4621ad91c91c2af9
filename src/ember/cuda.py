"""``ember.cuda``: torch.cuda's questions, answered truthfully. ember computes on the CPU
with NumPy; when CuPy is installed and sees a GPU, tensors can live on ``"cuda"`` (CuPy
arrays) and these functions say so.

    >>> import ember
    >>> device = ember.device("cuda" if ember.cuda.is_available() else "cpu")
"""
from . import backend

__all__ = ["is_available", "device_count", "current_device", "get_device_name", "manual_seed",
           "manual_seed_all", "synchronize", "empty_cache", "is_bf16_supported"]


def is_available():
    """True only when CuPy imports and sees at least one GPU."""
    return backend.cupy_available()


def device_count():
    if not is_available():
        return 0
    return backend._cupy.cuda.runtime.getDeviceCount()


def _require(what):
    if not is_available():
        raise RuntimeError(f"ember.cuda.{what}: no GPU is available to ember (it needs CuPy and a GPU); "
                           f"check ember.cuda.is_available() first and use the CPU otherwise")


def current_device():
    _require("current_device()")
    return backend._cupy.cuda.runtime.getDevice()


def get_device_name(device=None):
    _require("get_device_name()")
    index = 0 if device is None else backend.device(device).index or 0
    return backend._cupy.cuda.runtime.getDeviceProperties(index)["name"].decode()


def manual_seed(seed):
    """Seed the GPU's random numbers; like torch without a GPU, silently nothing to seed
    (ember draws all random numbers on the CPU, from ``ember.manual_seed``'s generator)."""


manual_seed_all = manual_seed


def synchronize(device=None):
    _require("synchronize()")
    backend._cupy.cuda.runtime.deviceSynchronize()


def empty_cache():
    """Return cached GPU memory to the driver (nothing to do without a GPU)."""
    if is_available():
        backend._cupy.get_default_memory_pool().free_all_blocks()


def is_bf16_supported():
    return False
