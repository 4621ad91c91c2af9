"""CIFAR-10 from the official BINARY release (never the pickled "python version").

The binary release ``cifar-10-binary.tar.gz`` unpacks to ``cifar-10-batches-bin/`` with
``data_batch_1.bin`` ... ``data_batch_5.bin`` (10,000 images each, the training set) and
``test_batch.bin`` (10,000 images). Each file is a sequence of 3073-byte records::

    byte 0          the label, 0..9
    bytes 1..1024   the red plane, 32 x 32, row-major
    bytes 1025..    the green plane, then the blue plane

``read_cifar_batch`` parses such a file with NumPy (no code execution of any kind, unlike
unpickling) and rejects a file whose size is not a positive multiple of 3073 bytes or
that holds a label outside 0..9, naming the file.

``CIFAR10(root)`` reads the files from ``root/cifar-10-batches-bin/`` or from ``root``
itself; if they are missing but ``root/cifar-10-binary.tar.gz`` is there, the archive is
unpacked first. ``download=True`` fetches the archive from a base URL (argument, else
``$EMBER_CIFAR10_URL``, else the authors' site) with ``ember.data.idx.download_url``,
which streams it to a temporary file and keeps it only if its SHA-256 matches; a file
whose digest is unknown is refused unless ``verify=False``. Archives are unpacked safely:
only regular files are written, each must resolve inside the destination folder (no
absolute paths, ``..`` or paths through symbolic links), and links, devices and other
special members are skipped.

    >>> ds = CIFAR10("~/data/cifar10", train=False)          # doctest: +SKIP
    >>> img, label = ds[0]; img.shape, img.dtype, ds.classes[label]   # doctest: +SKIP
    ((3, 32, 32), dtype('float32'), 'cat')
"""
import os
import posixpath
import tarfile
import tempfile

import numpy as np

from ..autograd.tensor import _wrap
from .dataset import Dataset, _check_index
from .idx import download_url, sha256sum

__all__ = ["CIFAR10", "read_cifar_batch", "extract_archive"]

RECORD = 1 + 3 * 32 * 32


def read_cifar_batch(path, num_classes=10):
    """Parse one CIFAR-10 binary batch file.

    Returns ``(images, labels)``: uint8 ``(n, 32, 32, 3)`` (height, width, RGB, as
    torchvision's ``CIFAR10.data``) and int64 ``(n,)``.

    Raises:
        ValueError: the file is empty, its size is not a multiple of the 3073-byte record
            (truncated or not a CIFAR-10 binary batch), or a label is >= ``num_classes``.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read()
    n, rest = divmod(len(raw), RECORD)
    if rest or n == 0:
        raise ValueError(
            f"read_cifar_batch: {path}: size {len(raw)} bytes is not a positive multiple of the "
            f"{RECORD}-byte record (1 label byte + 3072 pixel bytes); the file is truncated or not "
            f"a CIFAR-10 binary batch ({n} whole records, {rest} bytes left over)")
    rec = np.frombuffer(raw, dtype=np.uint8).reshape(n, RECORD)
    labels = rec[:, 0].astype(np.int64)
    if labels.max() >= num_classes:
        bad = int(np.argmax(labels >= num_classes))
        raise ValueError(f"read_cifar_batch: {path}: record {bad} has label {int(labels[bad])}, "
                         f"outside 0..{num_classes - 1}")
    images = np.ascontiguousarray(rec[:, 1:].reshape(n, 3, 32, 32).transpose(0, 2, 3, 1))
    return images, labels


def extract_archive(archive, dest):
    """Unpack a (possibly compressed) tar archive into ``dest``, safely.

    Only regular files are extracted, each written atomically (temporary file + rename)
    and only if its path resolves inside ``dest``; a member with an absolute path or a
    ``..`` component raises ``ValueError`` before anything is written for it. Directories
    are created as needed; symbolic/hard links, devices and FIFOs are skipped. Returns the
    list of written paths.
    """
    archive, dest = os.fspath(archive), os.fspath(dest)
    os.makedirs(dest, exist_ok=True)
    real_dest = os.path.realpath(dest)
    written = []
    try:
        tar = tarfile.open(archive, "r:*")
    except (tarfile.TarError, OSError, EOFError) as e:
        raise ValueError(f"extract_archive: {archive} is not a readable tar archive ({e})") from None
    with tar:
        try:
            for member in tar:
                if not member.isreg():
                    continue
                name = member.name.replace("\\", "/")
                parts = [p for p in name.split("/") if p not in ("", ".")]
                if name.startswith("/") or ".." in parts or not parts or ":" in parts[0]:
                    raise ValueError(f"extract_archive: {archive}: refusing member {member.name!r}: its "
                                     f"path leaves the destination {dest!r}")
                target = os.path.realpath(os.path.join(real_dest, *parts))
                if os.path.commonpath([target, real_dest]) != real_dest:
                    raise ValueError(f"extract_archive: {archive}: refusing member {member.name!r}: it "
                                     f"resolves to {target!r}, outside {dest!r}")
                folder = os.path.dirname(target)
                os.makedirs(folder, exist_ok=True)
                src = tar.extractfile(member)
                fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + posixpath.basename(name) + ".",
                                           suffix=".part")
                try:
                    with os.fdopen(fd, "wb") as out:
                        for block in iter(lambda: src.read(1 << 20), b""):
                            out.write(block)
                        out.flush()
                        os.fsync(out.fileno())
                    os.replace(tmp, target)
                finally:
                    if os.path.exists(tmp):
                        os.remove(tmp)
                written.append(target)
        except (tarfile.TarError, EOFError, OSError) as e:
            if isinstance(e, FileNotFoundError) or isinstance(e, PermissionError):
                raise
            raise ValueError(f"extract_archive: {archive} is corrupt or truncated ({e})") from None
    return written


class CIFAR10(Dataset):
    """The CIFAR-10 images (50,000 train / 10,000 test, 32x32 RGB, 10 classes).

    Args:
        root: folder holding ``cifar-10-batches-bin/`` (or the ``.bin`` files directly, or
            the ``cifar-10-binary.tar.gz`` archive, which is then unpacked).
        train: the five ``data_batch_*.bin`` files, or ``test_batch.bin``.
        transform: applied to each image (a float32 Tensor ``(3, 32, 32)`` in [0, 1]).
        target_transform: applied to each label (a Python int).
        download: fetch and unpack the archive first if the files are missing.
        base_url, checksums, verify: passed to :meth:`download`.

    Attributes:
        data: uint8 Tensor ``(N, 32, 32, 3)`` -- height, width, RGB, torchvision's layout;
        targets: int64 Tensor ``(N,)``; classes: the 10 class names.

    ``ds[i]`` is ``(image, label)``, ``image = data[i].permute(2, 0, 1) / 255`` as float32.
    Without transforms, ``DataLoader`` fetches whole batches with one index.
    """

    base_url = "https://www.cs.toronto.edu/~kriz/"
    url_env = "EMBER_CIFAR10_URL"
    archive = "cifar-10-binary.tar.gz"
    folder = "cifar-10-batches-bin"
    train_list = [f"data_batch_{i}.bin" for i in range(1, 6)]
    test_list = ["test_batch.bin"]
    # SHA-256 of the official archive (MD5 c32a1d4ab5d03f1284b67883e8d87530 on the authors'
    # page), the same digest pinned by several independent public loaders.
    sha256 = {"cifar-10-binary.tar.gz": "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"}
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False,
                 base_url=None, checksums=None, verify=True):
        self.root = os.path.expanduser(os.fspath(root))
        self.train = bool(train)
        self.transform, self.target_transform = transform, target_transform
        names = self.train_list if self.train else self.test_list
        if download:
            type(self).download(self.root, base_url=base_url, checksums=checksums, verify=verify)
        elif self._missing(self.root, names) and os.path.isfile(os.path.join(self.root, self.archive)):
            extract_archive(os.path.join(self.root, self.archive), self.root)
        parts = [read_cifar_batch(self._locate(n), num_classes=len(self.classes)) for n in names]
        images = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
        labels = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
        self.data = _wrap(images)
        self.targets = _wrap(labels)

    @classmethod
    def _folders(cls, root):
        return [os.path.join(root, cls.folder), root]

    @classmethod
    def _missing(cls, root, names):
        return [n for n in names if not any(os.path.isfile(os.path.join(f, n)) for f in cls._folders(root))]

    def _locate(self, name):
        tried = []
        for folder in self._folders(self.root):
            p = os.path.join(folder, name)
            tried.append(p)
            if os.path.isfile(p):
                return p
        raise FileNotFoundError(
            f"{type(self).__name__}: {name} not found under {self.root!r} (looked for "
            f"{', '.join(tried)} and the archive {self.archive}); put the binary version there or "
            f"pass download=True")

    @classmethod
    def download(cls, root, base_url=None, checksums=None, verify=True, timeout=60.0, force=False):
        """Fetch ``cifar-10-binary.tar.gz`` into ``root``, verify it and unpack it.

        Args:
            root: destination folder (created if missing).
            base_url: where the archive lives; default ``$EMBER_CIFAR10_URL``, else the
                authors' site.
            checksums: ``{file name: sha256 hex}`` overriding/extending the built-in table.
            verify: refuse an archive whose digest is unknown or different (default True).
            force: download and unpack even if the batch files are already present.

        Returns the folder holding the batch files. Nothing is fetched when all six batch
        files are present (unless ``force``); a present archive with the right digest is
        unpacked without fetching it again.
        """
        root = os.path.expanduser(os.fspath(root))
        names = cls.train_list + cls.test_list
        if not force and not cls._missing(root, names):
            return cls._where(root)
        table = {**cls.sha256, **(checksums or {})}
        digest = table.get(cls.archive)
        if verify and not digest:
            raise ValueError(f"{cls.__name__}.download: no known SHA-256 for {cls.archive!r}; pass "
                             f"checksums={{{cls.archive!r}: sha256}} or verify=False")
        base = base_url or os.environ.get(cls.url_env) or cls.base_url
        if not base.endswith("/"):
            base += "/"
        dest = os.path.join(root, cls.archive)
        if force or not os.path.isfile(dest) or (verify and sha256sum(dest) != digest.lower()):
            download_url(base + cls.archive, dest, sha256=digest, verify=verify, timeout=timeout)
        extract_archive(dest, root)
        missing = cls._missing(root, names)
        if missing:
            raise ValueError(f"{cls.__name__}.download: the archive {dest} does not contain {missing}")
        return cls._where(root)

    @classmethod
    def _where(cls, root):
        sub = os.path.join(root, cls.folder)
        return sub if os.path.isfile(os.path.join(sub, cls.test_list[0])) else root

    def __len__(self):
        return self.data.shape[0]

    def __getitem__(self, index):
        i = _check_index(index, len(self), type(self).__name__)
        img = _wrap(self.data.array[i].transpose(2, 0, 1).astype(np.float32) / np.float32(255))
        target = int(self.targets.array[i])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def _fetch_batch(self, indices):
        if self.transform is not None or self.target_transform is not None:
            return None
        imgs = self.data.array[indices].transpose(0, 3, 1, 2).astype(np.float32) / np.float32(255)
        return [_wrap(imgs), _wrap(self.targets.array[indices])]

    def __repr__(self):
        split = "train" if self.train else "test"
        return f"{type(self).__name__}(root={self.root!r}, split={split}, n={len(self)})"
