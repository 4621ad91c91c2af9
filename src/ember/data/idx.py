"""The IDX file format, the MNIST and Fashion-MNIST datasets, and verified downloads.

IDX layout (LeCun's format for MNIST): a 4-byte magic number -- two zero bytes, a type
code, the number of dimensions ``d`` -- then ``d`` big-endian int32 sizes, then the data,
big-endian, in C order::

    type code   0x08     0x09   0x0B    0x0C    0x0D     0x0E
    dtype       uint8    int8   int16   int32   float32  float64

``read_idx`` accepts raw and gzip-compressed files (recognised by their content, not the
name) and rejects a bad magic number, an unknown type code, a truncated file or trailing
bytes with a ``ValueError`` naming the file.

``MNIST(root)`` reads the four official files (``train-images-idx3-ubyte``,
``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each
raw or ``.gz``) from ``root`` (or torchvision's ``root/MNIST/raw``). ``MNIST.download``
fetches them with ``urllib.request`` from a base URL (argument, else the environment
variable ``EMBER_MNIST_URL`` -- ``EMBER_FASHIONMNIST_URL`` for Fashion-MNIST -- else the
public mirror), streams each into a temporary file next to its destination while hashing
it, and renames it into place only when its SHA-256 equals the expected digest; on a
mismatch the partial file is deleted and ``ChecksumError`` is raised. A file without a
known digest is refused unless ``verify=False``.

    >>> import io, numpy as np
    >>> buf = io.BytesIO()
    >>> write_idx(buf, np.arange(6, dtype=np.uint8).reshape(2, 3))
    >>> _ = buf.seek(0)
    >>> read_idx(buf)
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
"""
import gzip
import hashlib
import os
import struct
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zlib

import numpy as np

from ..autograd.tensor import _wrap
from .dataset import Dataset, _check_index

_CODE_TO_DTYPE = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
_KIND_TO_CODE = {("u", 1): 0x08, ("i", 1): 0x09, ("i", 2): 0x0B, ("i", 4): 0x0C,
                 ("f", 4): 0x0D, ("f", 8): 0x0E}
_GZIP_MAGIC = b"\x1f\x8b"


def _name(f):
    if isinstance(f, (str, bytes, os.PathLike)):
        return os.fsdecode(f)
    return getattr(f, "name", None) or f"<{type(f).__name__}>"


def _read_bytes(path_or_fileobj):
    if hasattr(path_or_fileobj, "read"):
        raw = path_or_fileobj.read()
    else:
        with open(path_or_fileobj, "rb") as fh:
            raw = fh.read()
    if not isinstance(raw, (bytes, bytearray)):
        raise TypeError(f"read_idx: {_name(path_or_fileobj)} must be opened in binary mode")
    return bytes(raw)


def read_idx(path_or_fileobj):
    """Read an IDX file (raw or gzip) into a NumPy array of native byte order.

    Args:
        path_or_fileobj: a path, or a binary file object positioned at the start.

    Returns:
        ``np.ndarray`` with the dtype given by the type code and the stored shape.

    Raises:
        ValueError: bad magic number, unknown type code, truncated header or data, trailing
            bytes, or a corrupt gzip stream -- the message names the file.
    """
    name = _name(path_or_fileobj)
    raw = _read_bytes(path_or_fileobj)
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as e:
            raise ValueError(f"read_idx: {name}: corrupt or truncated gzip stream ({e})") from None
    if len(raw) < 4:
        raise ValueError(f"read_idx: {name}: file is truncated: {len(raw)} bytes is shorter than "
                         f"the 4-byte IDX magic number")
    zero0, zero1, code, ndim = raw[0], raw[1], raw[2], raw[3]
    if zero0 != 0 or zero1 != 0 or code not in _CODE_TO_DTYPE:
        raise ValueError(
            f"read_idx: {name}: bad magic number 0x{raw[:4].hex()}: expected two zero bytes, a "
            f"type code in {{0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e}} and the number of dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {name}: file is truncated in its header: {ndim} dimensions "
                         f"need {header} header bytes, the file has {len(raw)}")
    shape = struct.unpack(f">{ndim}I", raw[4:header]) if ndim else ()
    dtype = _CODE_TO_DTYPE[code]
    count = int(np.prod(shape, dtype=np.int64)) if ndim else 1
    need = count * dtype.itemsize
    have = len(raw) - header
    if have < need:
        raise ValueError(f"read_idx: {name}: file is truncated: shape {tuple(shape)} of "
                         f"{dtype.newbyteorder('=')} needs {need} data bytes, found {have}")
    if have > need:
        raise ValueError(f"read_idx: {name}: {have - need} unexpected trailing bytes after the "
                         f"{need} data bytes of shape {tuple(shape)}")
    arr = np.frombuffer(raw, dtype=dtype, count=count, offset=header)
    return arr.astype(dtype.newbyteorder("="), copy=True).reshape(shape)


def _atomic_write(path, payload):
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                               suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_idx(path_or_fileobj, array, compress=None):
    """Write ``array`` as an IDX file (atomically: a temporary file, then a rename).

    Args:
        path_or_fileobj: destination path or binary file object.
        array: NumPy array (or ember Tensor) of dtype uint8, int8, int16, int32, float32 or
            float64; other dtypes raise ``ValueError`` (cast explicitly first).
        compress: gzip the output; default: when the path ends with ``.gz``.
    """
    arr = np.asarray(array.array if hasattr(array, "grad_fn") else array)
    code = _KIND_TO_CODE.get((arr.dtype.kind, arr.dtype.itemsize))
    if code is None:
        raise ValueError(f"write_idx: array dtype {arr.dtype} has no IDX type code; expected "
                         f"uint8, int8, int16, int32, float32 or float64")
    if arr.ndim > 255 or any(s >= 2 ** 32 for s in arr.shape):
        raise ValueError(f"write_idx: shape {arr.shape} does not fit IDX (<= 255 dimensions, "
                         f"each < 2**32)")
    payload = (bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
               + np.ascontiguousarray(arr, dtype=_CODE_TO_DTYPE[code]).tobytes())
    if compress is None:
        compress = (not hasattr(path_or_fileobj, "write")
                    and os.fsdecode(path_or_fileobj).endswith(".gz"))
    if compress:
        payload = gzip.compress(payload, mtime=0)
    if hasattr(path_or_fileobj, "write"):
        path_or_fileobj.write(payload)
    else:
        _atomic_write(path_or_fileobj, payload)


# ---- downloads -----------------------------------------------------------------------------
class ChecksumError(RuntimeError):
    """A downloaded file's SHA-256 differs from the expected digest."""


def sha256sum(path, chunk=1 << 20):
    """Hex SHA-256 digest of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def download_url(url, path, sha256=None, verify=True, timeout=60.0):
    """Download ``url`` to ``path`` and check its SHA-256.

    The body is streamed into a temporary file in the destination folder while being
    hashed; the file is renamed to ``path`` only if the digest matches (``os.replace``, so
    ``path`` never holds a partial or unverified file). With ``verify=True`` (default) a
    missing ``sha256`` is an error raised before any request is made.

    Raises:
        ValueError: unsupported URL scheme, or ``verify=True`` without a digest.
        ChecksumError: digest mismatch (the downloaded bytes are deleted).
        RuntimeError: the request failed (HTTP error, unreachable host, timeout).
    """
    scheme = urllib.parse.urlparse(url).scheme
    if scheme not in ("http", "https", "file"):
        raise ValueError(f"download_url: url={url!r} must use http, https or file")
    if verify and not sha256:
        raise ValueError(f"download_url: no SHA-256 digest known for {url!r}; pass the digest "
                         f"or verify=False to accept an unverified file")
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                               suffix=".part")
    try:
        h = hashlib.sha256()
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp, os.fdopen(fd, "wb") as f:
                fd = None
                for block in iter(lambda: resp.read(1 << 20), b""):
                    h.update(block)
                    f.write(block)
                f.flush()
                os.fsync(f.fileno())
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"download_url: {url} failed: HTTP {e.code} {e.reason}") from None
        except (urllib.error.URLError, OSError) as e:
            raise RuntimeError(f"download_url: {url} failed: {getattr(e, 'reason', e)}") from None
        digest = h.hexdigest()
        if verify and digest != sha256.lower():
            raise ChecksumError(f"download_url: SHA-256 mismatch for {url}: expected {sha256}, "
                                f"got {digest}; the downloaded file was deleted")
        os.replace(tmp, path)
    finally:
        if fd is not None:
            os.close(fd)
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


# ---- MNIST ---------------------------------------------------------------------------------
class MNIST(Dataset):
    """The MNIST handwritten digits (60,000 train / 10,000 test, 28x28 grey, 10 classes).

    Args:
        root: folder holding the official files, raw or ``.gz`` (torchvision's
            ``root/MNIST/raw`` is searched too).
        train: the training split (``train-*``) or the test split (``t10k-*``).
        transform: applied to each image (a float32 Tensor ``(1, 28, 28)`` in [0, 1]).
        target_transform: applied to each label (a Python int).
        download: fetch missing files first (see :meth:`download`).
        base_url, checksums, verify: passed to :meth:`download`.

    Attributes:
        data: uint8 Tensor ``(N, 28, 28)``; targets: int64 Tensor ``(N,)``.

    ``ds[i]`` is ``(image, label)`` with ``image = data[i] / 255`` as float32 ``(1, 28, 28)``.
    Without transforms, ``DataLoader`` fetches whole batches with one index.

        >>> ds = MNIST("~/data/mnist", train=False)       # doctest: +SKIP
        >>> img, label = ds[0]; img.shape, label           # doctest: +SKIP
        ((1, 28, 28), 7)
    """

    base_url = "https://ossci-datasets.s3.amazonaws.com/mnist/"
    url_env = "EMBER_MNIST_URL"
    files = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    # SHA-256 of the official gzip files, as published alongside many independent loaders
    # (cross-checked in several public repositories); extend or override with checksums=.
    sha256 = {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    }
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False,
                 base_url=None, checksums=None, verify=True):
        self.root = os.path.expanduser(os.fspath(root))
        self.train = bool(train)
        self.transform, self.target_transform = transform, target_transform
        if download:
            type(self).download(self.root, base_url=base_url, checksums=checksums, verify=verify)
        img_stem, lbl_stem = self.files["train" if self.train else "test"]
        images = read_idx(self._locate(img_stem))
        labels = read_idx(self._locate(lbl_stem))
        if images.dtype != np.uint8 or images.ndim != 3:
            raise ValueError(f"{type(self).__name__}: {img_stem} holds {images.dtype} of shape "
                             f"{images.shape}; expected uint8 (N, H, W)")
        if labels.dtype != np.uint8 or labels.ndim != 1 or len(labels) != len(images):
            raise ValueError(f"{type(self).__name__}: {lbl_stem} holds {labels.dtype} of shape "
                             f"{labels.shape}; expected uint8 ({len(images)},)")
        self.data = _wrap(images)
        self.targets = _wrap(labels.astype(np.int64))

    @classmethod
    def _folders(cls, root):
        return [root, os.path.join(root, cls.__name__, "raw")]

    def _locate(self, stem):
        tried = []
        for folder in self._folders(self.root):
            for name in (stem, stem + ".gz"):
                p = os.path.join(folder, name)
                tried.append(p)
                if os.path.isfile(p):
                    return p
        raise FileNotFoundError(
            f"{type(self).__name__}: {stem}[.gz] not found under {self.root!r} (looked for "
            f"{', '.join(tried)}); put the files there or pass download=True")

    @classmethod
    def download(cls, root, base_url=None, files=None, checksums=None, verify=True,
                 timeout=60.0, force=False):
        """Fetch the dataset files into ``root`` and verify their SHA-256.

        Args:
            root: destination folder (created if missing).
            base_url: where the files live; default ``$EMBER_MNIST_URL`` (or
                ``$EMBER_FASHIONMNIST_URL``), else the class's public mirror.
            files: file names to fetch (default: the four ``.gz`` files).
            checksums: ``{file name: sha256 hex}`` overriding/extending the built-in table.
            verify: refuse files whose digest is unknown or different (default True).
            force: download even when a file is already present and valid.

        Returns the list of local paths. Files already present with the right digest are
        kept; a present file with a wrong digest is downloaded again.
        """
        root = os.path.expanduser(os.fspath(root))
        base = base_url or os.environ.get(cls.url_env) or cls.base_url
        if not base.endswith("/"):
            base += "/"
        table = {**cls.sha256, **(checksums or {})}
        if files is None:
            files = [stem + ".gz" for split in ("train", "test") for stem in cls.files[split]]
        if isinstance(files, str):
            files = [files]
        if verify:
            unknown = [f for f in files if not table.get(f)]
            if unknown:
                raise ValueError(f"{cls.__name__}.download: no known SHA-256 for {unknown}; pass "
                                 f"checksums={{name: sha256}} or verify=False")
        paths = []
        for fname in files:
            dest = os.path.join(root, fname)
            if os.path.isfile(dest) and not force:
                if not verify or sha256sum(dest) == table[fname].lower():
                    paths.append(dest)
                    continue
            download_url(base + fname, dest, sha256=table.get(fname), verify=verify,
                         timeout=timeout)
            paths.append(dest)
        return paths

    def __len__(self):
        return self.data.shape[0]

    def __getitem__(self, index):
        i = _check_index(index, len(self), type(self).__name__)
        img = _wrap(self.data.array[i][None].astype(np.float32) / np.float32(255))
        target = int(self.targets.array[i])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def _fetch_batch(self, indices):
        if self.transform is not None or self.target_transform is not None:
            return None
        imgs = self.data.array[indices][:, None].astype(np.float32) / np.float32(255)
        return [_wrap(imgs), _wrap(self.targets.array[indices])]

    def __repr__(self):
        split = "train" if self.train else "test"
        return f"{type(self).__name__}(root={self.root!r}, split={split}, n={len(self)})"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: the same layout and API as :class:`MNIST`, 10 clothing
    classes. Base URL from ``$EMBER_FASHIONMNIST_URL`` or the public mirror."""

    base_url = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    url_env = "EMBER_FASHIONMNIST_URL"
    sha256 = {
        "train-images-idx3-ubyte.gz": "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc",
        "train-labels-idx1-ubyte.gz": "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc",
        "t10k-images-idx3-ubyte.gz": "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229",
        "t10k-labels-idx1-ubyte.gz": "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf",
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
