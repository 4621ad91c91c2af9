"""Process-wide switches that PyTorch scripts set: threads, float32 matmul precision,
``compile``; and the type questions ``is_tensor``, ``is_floating_point``, ``numel``."""
from .autograd.tensor import Tensor

__all__ = ["get_num_threads", "set_num_threads", "set_float32_matmul_precision",
           "get_float32_matmul_precision", "compile", "is_tensor", "is_floating_point", "numel"]

_limits = []          # the threadpool limit set_num_threads keeps in force
_precision = ["highest"]


def get_num_threads():
    """Threads the BLAS behind NumPy uses for matmuls and convolutions."""
    from threadpoolctl import threadpool_info
    counts = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    return max(counts) if counts else 1


def set_num_threads(n):
    """Limit ember to ``n`` threads for the rest of the process, as torch's call limits its
    intra-op threads: the BLAS behind NumPy and numba's threads (the compiled loops of
    ``ember.ml`` and the numba kernels; at most the cores numba started with)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive int, got {n!r}")
    import numba
    from threadpoolctl import threadpool_limits
    _limits[:] = [threadpool_limits(limits=n, user_api="blas")]
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))


def set_float32_matmul_precision(precision):
    """Accepted for torch scripts (``"highest"``, ``"high"``, ``"medium"``); NumPy's BLAS
    always computes float32 matmuls in full float32, which is torch's ``"highest"``."""
    if precision not in ("highest", "high", "medium"):
        raise ValueError(f"set_float32_matmul_precision: precision must be 'highest', 'high' or 'medium', "
                         f"got {precision!r}")
    _precision[0] = precision


def get_float32_matmul_precision():
    return _precision[0]


def compile(model=None, **kwargs):
    """``torch.compile``: ember has no compiler, so the model (or function) comes back
    unchanged and runs as written; usable as a decorator too."""
    if model is None:
        return lambda m: m
    return model


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def numel(input):
    return input.numel()
