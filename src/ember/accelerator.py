"""``ember.accelerator``: torch.accelerator's device-agnostic questions. The only
accelerator ember knows is a CUDA GPU through CuPy."""
from . import backend, cuda

__all__ = ["is_available", "current_accelerator", "device_count"]


def is_available():
    return cuda.is_available()


def current_accelerator(check_available=False):
    """``device("cuda")`` when a GPU is usable, else None (torch's answer on a CPU-only build)."""
    return backend.device("cuda") if cuda.is_available() else None


def device_count():
    return cuda.device_count()
