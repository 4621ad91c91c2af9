"""Checkpoints without pickle: ``save(obj, path)`` / ``load(path)``.

File format: one ``.safetensors`` file (the safe, zero-code format of Hugging Face's
``safetensors``). Tensors and NumPy arrays are stored as safetensors tensors; everything
else -- the nesting of dicts/lists/tuples, ints, floats (incl. nan/inf), bools, None,
strings, NumPy dtypes -- is stored as JSON in the file's metadata under the key
``"ember.structure"``, together with a SHA-256 digest of every tensor's bytes
(``"ember.sha256"``) and a format version (``"ember.format"``). There is no sidecar file,
so a checkpoint is written and replaced atomically (temporary file, then ``os.replace``).

Tensor names: the path of keys joined with ``"."`` (``{"model": {"fc.weight": w}}`` ->
``"model.fc.weight"``, list positions are numbers); a name already taken gets a ``"#k"``
suffix. The structure records the name of each tensor, so the mapping is exact either way.
A flat state dict therefore keeps its own names in the file, and the file opens with any
safetensors reader (``safetensors.numpy.load_file``); conversely ``load`` of a plain
safetensors file without ember metadata returns a flat ``{name: Tensor}`` dict.

``load`` returns ember Tensors for tensors (with ``requires_grad`` restored) and NumPy
arrays for arrays. A file that is missing, truncated, not safetensors, whose metadata is
malformed, or whose tensor bytes do not match their digests raises a ``ValueError`` naming
the path and the problem.

    >>> import ember, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.safetensors")
    >>> state = {"model": {"w": ember.ones(2, 3)}, "step": 10, "lr": 1e-3}
    >>> ember.serialization.save(state, path)
    >>> back = ember.serialization.load(path)
    >>> back["step"], back["model"]["w"].shape
    (10, ember.Size([2, 3]))
"""
import hashlib
import json
import math
import numbers
import os
import secrets
import signal
import stat
import struct
import threading

import numpy as np

from . import backend
from .autograd.tensor import Tensor, _wrap

FORMAT = "ember-checkpoint/1"
_STRUCT_KEY = "ember.structure"
_SHA_KEY = "ember.sha256"
_FORMAT_KEY = "ember.format"
_SUPPORTED = {np.dtype(t) for t in (np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64,
                                    np.uint16, np.uint32, np.uint64, np.float16, np.float32,
                                    np.float64)}


def _to_numpy(x):
    arr = backend.to_numpy(x.array if isinstance(x, Tensor) else x)
    if arr.dtype not in _SUPPORTED:
        dt = arr.dtype.newbyteorder("=") if arr.dtype.byteorder not in "=|" else arr.dtype
        if dt not in _SUPPORTED:
            raise TypeError(f"save: arrays of dtype {arr.dtype} cannot be stored; supported: "
                            f"{sorted(str(d) for d in _SUPPORTED)}")
        arr = arr.astype(dt)
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    return arr if arr.flags.c_contiguous else arr.copy(order="C")  # keeps 0-d shapes


class _Encoder:
    def __init__(self):
        self.tensors = {}

    def _name(self, path):
        base = ".".join(path) if path else "tensor"
        name, k = base, 1
        while name in self.tensors:
            name = f"{base}#{k}"
            k += 1
        return name

    def encode(self, obj, path=()):
        if isinstance(obj, Tensor) or isinstance(obj, np.ndarray) or (
                backend.get_array_module(obj) is not np):
            name = self._name(path)
            self.tensors[name] = _to_numpy(obj)
            if isinstance(obj, Tensor):
                return {"tensor": name, "requires_grad": bool(obj.requires_grad)}
            return {"ndarray": name}
        if obj is None or isinstance(obj, (bool, str)):
            return {"v": obj}
        if isinstance(obj, np.bool_):
            return {"v": bool(obj)}
        if isinstance(obj, numbers.Integral):
            return {"v": int(obj)}
        if isinstance(obj, numbers.Real):
            f = float(obj)
            return {"v": f} if math.isfinite(f) else {"float": repr(f)}
        if isinstance(obj, np.dtype):
            return {"dtype": obj.str}
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if isinstance(k, bool) or not isinstance(k, (str, int, np.integer)):
                    raise TypeError(f"save: dict keys must be str or int, got {k!r} "
                                    f"({type(k).__name__}) at {'.'.join(path) or '<root>'}")
                k = int(k) if not isinstance(k, str) else k
                items.append([k, self.encode(v, path + (str(k),))])
            return {"dict": items}
        if isinstance(obj, (list, tuple)):
            kind = "tuple" if isinstance(obj, tuple) else "list"
            return {kind: [self.encode(v, path + (str(i),)) for i, v in enumerate(obj)]}
        raise TypeError(f"save: cannot store a value of type {type(obj).__name__} at "
                        f"{'.'.join(path) or '<root>'}; expected tensors, arrays, numbers, "
                        f"strings, None, dtypes and dicts/lists/tuples of them (no pickle)")


def _digest(arr):
    return hashlib.sha256(memoryview(arr).cast("B") if arr.size else b"").hexdigest()


def _serialize(obj):
    from safetensors.numpy import save as st_save
    enc = _Encoder()
    structure = enc.encode(obj)
    meta = {
        _FORMAT_KEY: FORMAT,
        _STRUCT_KEY: json.dumps(structure, separators=(",", ":")),
        _SHA_KEY: json.dumps({k: _digest(v) for k, v in enc.tensors.items()},
                             separators=(",", ":")),
    }
    return st_save(enc.tensors, metadata=meta)


def save(obj, f):
    """Save a state dict (or any nesting of dicts/lists/tuples of tensors, arrays and
    JSON-able values) to ``f``: a path (written atomically) or a binary file object.

    Raises ``TypeError`` for values that cannot be stored without pickle (e.g. arbitrary
    objects, dict keys that are not str/int); a whole model or optimizer is such an object
    (torch pickles it; ember never does): save its ``state_dict()``.
    """
    _refuse_objects_with_state(obj)
    payload = _serialize(obj)
    if hasattr(f, "write"):
        f.write(payload)
        return
    path = os.fspath(f)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: folder {folder!r} of {path!r} does not exist")
    _remove_stale_parts(folder, os.path.basename(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.{secrets.token_hex(4)}.part")
    with _sigterm_raises():
        try:
            # created with 0o666 less the umask, like any new file; an existing target keeps its mode
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())  # the bytes are on disk before the name points at them
            if os.path.exists(path):
                os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)


def _remove_stale_parts(folder, name):
    """Remove temporary files ``.NAME.PID.*.part`` left by saves whose process is gone (a
    kill -9 or power loss cannot be caught); those of live processes are left alone."""
    prefix = f".{name}."
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        if not (entry.startswith(prefix) and entry.endswith(".part")):
            continue
        pid = entry[len(prefix):].split(".")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            try:
                os.remove(os.path.join(folder, entry))
            except OSError:
                pass


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


class _sigterm_raises:
    """While saving, SIGTERM (when it would kill the process outright) raises SystemExit
    instead, so the temporary file is removed on the way out; the handler is restored after."""

    def __enter__(self):
        self.old = None
        if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGTERM"):
            if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
                self.old = signal.signal(signal.SIGTERM, _raise_exit)
        return self

    def __exit__(self, *exc):
        if self.old is not None:
            signal.signal(signal.SIGTERM, self.old)
        return False


def _raise_exit(signum, frame):
    raise SystemExit(128 + signum)


def _header(raw, where):
    if len(raw) < 8:
        raise ValueError(f"load: {where} is truncated or not a safetensors file "
                         f"({len(raw)} bytes; a header needs at least 8)")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise ValueError(f"load: {where} is truncated or not a safetensors file: the header "
                         f"claims {n} bytes but only {len(raw) - 8} follow")
    try:
        header = json.loads(raw[8:8 + n])
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"load: {where} is corrupt: its safetensors header is not valid "
                         f"JSON ({e})") from None
    if not isinstance(header, dict):
        raise ValueError(f"load: {where} is corrupt: the safetensors header is not an object")
    return header


def _decode(node, tensors, where):
    if not isinstance(node, dict) or len(node) not in (1, 2):
        raise ValueError(f"load: {where} is corrupt: malformed structure entry {node!r:.80}")
    if "tensor" in node or "ndarray" in node:
        name = node.get("tensor", node.get("ndarray"))
        if name not in tensors:
            raise ValueError(f"load: {where} is corrupt: tensor {name!r} is missing")
        arr = tensors[name]
        if "ndarray" in node:
            return arr
        t = _wrap(arr)
        if node.get("requires_grad"):
            t.requires_grad_(True)
        return t
    (kind, val), = node.items()
    if kind == "v":
        return val
    if kind == "float":
        return float(val)
    if kind == "dtype":
        return np.dtype(val)
    if kind == "dict":
        return {k: _decode(v, tensors, where) for k, v in val}
    if kind == "list":
        return [_decode(v, tensors, where) for v in val]
    if kind == "tuple":
        return tuple(_decode(v, tensors, where) for v in val)
    raise ValueError(f"load: {where} is corrupt: unknown structure entry {kind!r}")


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, verify=True):
    """Load what :func:`save` wrote (``f``: path or binary file object) and rebuild the
    same structure, with ember Tensors where Tensors were saved.

    torch's arguments are accepted: ``weights_only`` (ember files never hold code, so
    loading is always "weights only"), ``map_location`` (``"cpu"``, ``device("cpu")`` or
    a function such as ``lambda storage, loc: storage``; anything else is refused, since ember
    loads onto the CPU: move tensors with ``.to(device)`` after), ``mmap`` (ignored).

    Args:
        verify: check each tensor's SHA-256 against the digest stored in the file
            (default True); a mismatch raises ``ValueError``.

    A safetensors file written by another tool (no ember metadata) loads as a flat
    ``{name: Tensor}`` dict.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load
    if pickle_module is not None:
        raise TypeError("load: pickle_module is not supported: ember checkpoints are safetensors, never pickles")
    if map_location is not None and not callable(map_location) and str(map_location) != "cpu":
        raise ValueError(f"load: map_location={map_location!r} is not supported; ember loads onto the CPU "
                         f"(use map_location='cpu' or None, then .to(device))")
    if hasattr(f, "read"):
        where = getattr(f, "name", None) or "<file object>"
        raw = f.read()
    else:
        where = os.fspath(f)
        if not os.path.isfile(where):
            raise FileNotFoundError(f"load: no checkpoint at {where!r}")
        with open(where, "rb") as fh:
            raw = fh.read()
    header = _header(raw, repr(where))
    try:
        tensors = st_load(raw)
    except (SafetensorError, ValueError, TypeError) as e:
        raise ValueError(f"load: {where!r} is truncated or corrupt ({e})") from None
    meta = header.get("__metadata__") or {}
    if not isinstance(meta, dict):
        raise ValueError(f"load: {where!r} is corrupt: its safetensors metadata is not an object")
    if _STRUCT_KEY not in meta:
        return {k: _wrap(v) for k, v in tensors.items()}
    if meta.get(_FORMAT_KEY) != FORMAT:
        raise ValueError(f"load: {where!r} has checkpoint format {meta.get(_FORMAT_KEY)!r}; "
                         f"this version of ember reads {FORMAT!r}")
    try:
        structure = json.loads(meta[_STRUCT_KEY])
        digests = json.loads(meta.get(_SHA_KEY, "{}"))
    except (ValueError, TypeError, RecursionError) as e:
        raise ValueError(f"load: {where!r} is corrupt: its ember metadata is not valid JSON "
                         f"({type(e).__name__}: {str(e)[:100]})") from None
    if not isinstance(digests, dict):
        raise ValueError(f"load: {where!r} is corrupt: its digests are not a JSON object")
    if verify:
        for name, arr in tensors.items():
            expected = digests.get(name)
            if expected is None:
                raise ValueError(f"load: {where!r} is corrupt: no digest stored for tensor {name!r}")
            if _digest(arr if arr.flags.c_contiguous else arr.copy(order="C")) != expected:
                raise ValueError(f"load: {where!r} is corrupt: the bytes of tensor {name!r} do "
                                 f"not match their SHA-256 digest")
    tensors = {k: (v if v.flags.writeable else v.copy()) for k, v in tensors.items()}
    try:
        return _decode(structure, tensors, repr(where))
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError, RuntimeError) as e:
        # the structure is not covered by the digests: a crafted one must fail as documented
        if isinstance(e, ValueError) and str(e).startswith("load:"):
            raise
        raise ValueError(f"load: {where!r} is corrupt: malformed structure metadata "
                         f"({type(e).__name__}: {str(e)[:100]})") from None


def _refuse_objects_with_state(obj):
    if callable(getattr(obj, "state_dict", None)):
        kind = type(obj).__name__
        raise TypeError(f"save: cannot save a whole {kind} object: ember never pickles objects (a pickle can run "
                        f"code when loaded). Save its weights with ember.save({kind.lower()}.state_dict(), path) "
                        f"and load them into a new {kind} with .load_state_dict(ember.load(path))")


class safe_globals:
    """torch's ``serialization.safe_globals([...])`` context: accepted and without effect,
    since an ember checkpoint holds no Python objects to allow."""

    def __init__(self, safe_globals=()):
        self.safe_globals = list(safe_globals)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def add_safe_globals(safe_globals):
    """Accepted for torch scripts; ember checkpoints hold no Python objects (nothing to allow)."""


def get_safe_globals():
    return []


def save_checkpoint(path, model_state, optimizer_state=None, config=None, **extra):
    """Save ``{"model": model_state, "optimizer": optimizer_state, "config": config,
    **extra}`` (entries that are None are left out) with :func:`save`.

        >>> save_checkpoint("run/last.safetensors", model.state_dict(),   # doctest: +SKIP
        ...                 opt.state_dict(), config={"lr": 0.1}, epoch=3)
    """
    ckpt = {"model": model_state}
    if optimizer_state is not None:
        ckpt["optimizer"] = optimizer_state
    if config is not None:
        ckpt["config"] = config
    for k, v in extra.items():
        if k in ckpt:
            raise ValueError(f"save_checkpoint: extra key {k!r} clashes with a reserved key")
        ckpt[k] = v
    save(ckpt, path)


def load_checkpoint(path, verify=True):
    """Load a checkpoint written by :func:`save_checkpoint`; returns its dict."""
    ckpt = load(path, verify=verify)
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise ValueError(f"load_checkpoint: {os.fspath(path)!r} holds no 'model' entry; was it "
                         f"written by save_checkpoint?")
    return ckpt
