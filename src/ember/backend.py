"""The array backend seam: which array module (NumPy or CuPy) holds a tensor's data.

Every op reaches array creation through :func:`get_array_module`, so a CuPy array flows
through the same code as a NumPy one. Element-wise maths uses NumPy's ufuncs, which
CuPy arrays dispatch to their own kernels through ``__array_ufunc__``.

    >>> import numpy as np
    >>> from ember.backend import get_array_module
    >>> get_array_module(np.zeros(3)) is np
    True
"""
import numpy as np

try:  # CuPy is optional: present only on a machine with a GPU.
    import cupy as _cupy
except Exception:  # pragma: no cover - depends on the machine
    _cupy = None


def cupy_available():
    """True when CuPy imports and sees at least one GPU."""
    if _cupy is None:
        return False
    try:
        return _cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # pragma: no cover
        return False


def get_array_module(*arrays):
    """The module (``numpy`` or ``cupy``) that owns these arrays; NumPy for anything else."""
    for a in arrays:
        if type(a) is np.ndarray:
            continue
        if _cupy is not None and isinstance(a, _cupy.ndarray):
            return _cupy
    return np


class device:
    """Where a tensor lives, as ``torch.device``: a type (``"cpu"``, ``"cuda"``, ...) and an
    optional index. ``device("cpu")``, ``device("cuda:0")``, ``device("cuda", 0)``; equal to
    the string of the same name, so ``x.device == "cpu"`` reads as it does in torch.
    Making one never fails for a known type; using a CUDA device needs CuPy and a GPU."""
    __slots__ = ("type", "index")
    _TYPES = ("cpu", "cuda", "mps", "xpu", "meta")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):     # torch: device(0) is cuda:0
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string like 'cpu' or 'cuda:0', got {type!r}")
        name, _, idx = type.partition(":")
        if name not in self._TYPES:
            raise RuntimeError(f"device: expected one of {', '.join(self._TYPES)} device type at start of "
                               f"device string: {type!r}")
        if idx:
            if index is not None:
                raise RuntimeError(f"device: type {type!r} already has an index; do not pass index={index!r}")
            if not idx.isdigit():
                raise RuntimeError(f"device: invalid device string {type!r}")
            index = int(idx)
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"device: index must be a non-negative int, got {index!r}")
        self.type, self.index = name, index

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")
_CUDA = device("cuda", 0)
_default_device = [CPU]


def set_default_device(dev):
    """Where factory functions (``zeros``, ``randn``, ...) put tensors when ``device=`` is not
    given, as ``torch.set_default_device``. ``None`` means the CPU."""
    dev = CPU if dev is None else device(dev)
    if dev.type != "cpu":
        module_for_device(dev)       # a clear error unless CuPy sees a GPU
    _default_device[0] = dev


def get_default_device():
    return _default_device[0]


def device_of(array):
    """The ``device`` of an array: the CPU for NumPy, CUDA for CuPy."""
    return CPU if type(array) is np.ndarray or get_array_module(array) is np else _CUDA


def module_for_device(device):
    """The array module for a device string: 'cpu' -> numpy, 'cuda'/'cuda:N'/'gpu' -> cupy."""
    if device is None or str(device) == "cpu":
        return np
    name = str(device)
    if name.startswith("cuda") or name == "gpu":   # ("gpu": ember's older spelling)
        if not cupy_available():
            raise RuntimeError(
                f"device={device!r} needs CuPy and a GPU; install cupy or use device='cpu'")
        return _cupy
    raise ValueError(f"device={device!r} is not a known device; expected 'cpu' or 'cuda'")


def to_device(array, device):
    """Copy an array to a device (no copy if it is already there)."""
    xp = module_for_device(device)
    if xp is np:
        if _cupy is not None and isinstance(array, _cupy.ndarray):
            return _cupy.asnumpy(array)
        return np.asarray(array)
    return xp.asarray(array)


def to_numpy(array):
    """A NumPy view or copy of any backend array."""
    if type(array) is np.ndarray:
        return array
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return _cupy.asnumpy(array)
    return np.asarray(array)


def as_array(data):
    """``data`` as a backend array: CuPy arrays stay, anything else becomes a NumPy array
    (NumPy scalars, which ufuncs return for 0-d inputs, become 0-d arrays)."""
    if _cupy is not None and isinstance(data, _cupy.ndarray):
        return data
    return np.asarray(data)


def keep_memory(enable=True):
    """Ask glibc's allocator to keep freed memory for reuse instead of returning it to the
    OS (no mmap for large blocks, no trimming). Training allocates the same large
    temporaries every step; handing them back and faulting them in again costs more than
    the arithmetic (measured: an im2col copy of 75 MB took 26 ms with the default, 18 ms
    with this). Called when ember is imported unless EMBER_KEEP_MEMORY=0. Returns whether
    the setting took effect (False off glibc)."""
    import ctypes
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_max, m_mmap_threshold = -1, -4, -3
        if enable:
            ok = libc.mallopt(m_trim_threshold, 2 ** 31 - 1) and libc.mallopt(m_mmap_max, 0)
        else:
            ok = libc.mallopt(m_trim_threshold, 128 * 1024) and libc.mallopt(m_mmap_max, 65536) \
                and libc.mallopt(m_mmap_threshold, 128 * 1024)
        return bool(ok)
    except (OSError, AttributeError):
        return False
