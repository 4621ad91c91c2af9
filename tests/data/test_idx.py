"""IDX reading/writing, MNIST from a local folder, and verified downloads from a real HTTP
server on 127.0.0.1 (never the internet)."""
import functools
import gzip
import hashlib
import http.server
import io
import os
import struct
import threading

import numpy as np
import pytest

import ember
from ember.data import DataLoader
from ember.data.idx import (MNIST, ChecksumError, FashionMNIST, download_url, read_idx,
                            write_idx)

DTYPES = [(np.uint8, 0x08), (np.int8, 0x09), (np.int16, 0x0B), (np.int32, 0x0C),
          (np.float32, 0x0D), (np.float64, 0x0E)]


def _random(dtype, shape, seed):
    r = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return r.standard_normal(shape).astype(dtype)
    info = np.iinfo(dtype)
    return r.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)


# ---- format ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype,code", DTYPES)
@pytest.mark.parametrize("gz", [False, True])
def test_round_trip_every_dtype(tmp_path, dtype, code, gz):
    arr = _random(dtype, (3, 4, 5), seed=code)
    path = tmp_path / ("a.idx.gz" if gz else "a.idx")
    write_idx(path, arr)
    raw = path.read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == gz
    header = gzip.decompress(raw)[:4] if gz else raw[:4]
    assert header == bytes([0, 0, code, 3])
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    np.testing.assert_array_equal(back, arr)
    with open(path, "rb") as f:  # file objects too
        np.testing.assert_array_equal(read_idx(f), arr)


def test_reads_hand_built_big_endian_file():
    # an MNIST-style label file and an int16 matrix, built byte by byte
    labels = bytes([0, 0, 0x08, 1]) + struct.pack(">I", 4) + bytes([7, 2, 1, 0])
    np.testing.assert_array_equal(read_idx(io.BytesIO(labels)), [7, 2, 1, 0])
    mat = bytes([0, 0, 0x0B, 2]) + struct.pack(">II", 2, 2) + struct.pack(">4h", 1, -2, 300, -32768)
    np.testing.assert_array_equal(read_idx(io.BytesIO(mat)), [[1, -2], [300, -32768]])
    dbl = bytes([0, 0, 0x0E, 1]) + struct.pack(">I", 2) + struct.pack(">2d", 0.5, -1e300)
    np.testing.assert_array_equal(read_idx(io.BytesIO(dbl)), [0.5, -1e300])


def test_zero_dim_and_empty():
    for arr in (np.array(5, dtype=np.int32), np.zeros((0, 3), dtype=np.uint8)):
        buf = io.BytesIO()
        write_idx(buf, arr)
        buf.seek(0)
        back = read_idx(buf)
        assert back.shape == arr.shape
        np.testing.assert_array_equal(back, arr)


def test_bad_magic_and_truncation(tmp_path):
    good = io.BytesIO()
    write_idx(good, np.arange(12, dtype=np.int32).reshape(3, 4))
    raw = good.getvalue()
    cases = {
        b"\x01" + raw[1:]: "bad magic number 0x01000c02",
        raw[:2] + b"\x07" + raw[3:]: "bad magic number 0x00000702",
        raw[:2]: "truncated.*shorter than the 4-byte",
        raw[:9]: "truncated in its header: 2 dimensions need 12",
        raw[:-1]: r"truncated: shape \(3, 4\) of int32 needs 48 data bytes, found 47",
        raw + b"\x00": "1 unexpected trailing bytes",
        gzip.compress(raw)[:-6]: "corrupt or truncated gzip",
    }
    for i, (data, msg) in enumerate(cases.items()):
        p = tmp_path / f"bad{i}"
        p.write_bytes(data)
        with pytest.raises(ValueError, match=msg) as e:
            read_idx(p)
        assert str(p) in str(e.value), "the error names the file"


def test_write_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(ValueError, match="int64 has no IDX type code"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.int64))
    assert not os.listdir(tmp_path)


# ---- MNIST from a folder ---------------------------------------------------------------------
def _fake_mnist(folder, n_train=12, n_test=5, gz=True, seed=0):
    r = np.random.default_rng(seed)
    out = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        imgs = r.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = r.integers(0, 10, n).astype(np.uint8)
        ext = ".gz" if gz else ""
        write_idx(os.path.join(folder, f"{split}-images-idx3-ubyte{ext}"), imgs)
        write_idx(os.path.join(folder, f"{split}-labels-idx1-ubyte{ext}"), labels)
        out[split] = (imgs, labels)
    return out


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_reads_local_files(tmp_path, gz):
    ref = _fake_mnist(tmp_path, gz=gz)
    for train, key in ((True, "train"), (False, "t10k")):
        ds = MNIST(tmp_path, train=train)
        imgs, labels = ref[key]
        assert len(ds) == len(labels)
        assert ds.data.dtype == np.uint8 and ds.data.shape == imgs.shape
        assert ds.targets.dtype == np.int64
        np.testing.assert_array_equal(ds.data.numpy(), imgs)
        np.testing.assert_array_equal(ds.targets.numpy(), labels)
        img, label = ds[3]
        assert img.shape == (1, 28, 28) and img.dtype == np.float32
        np.testing.assert_allclose(img.numpy()[0], imgs[3] / 255.0, rtol=1e-6)
        assert label == int(labels[3]) and isinstance(label, int)
        assert 0.0 <= img.numpy().min() and img.numpy().max() <= 1.0


def test_mnist_loader_fast_path_equals_per_sample(tmp_path):
    _fake_mnist(tmp_path, n_train=23)
    ds = MNIST(tmp_path)
    fast = list(DataLoader(ds, batch_size=5, shuffle=True, generator=ember.Generator().manual_seed(1)))
    slow = list(DataLoader(ds, batch_size=5, shuffle=True, generator=ember.Generator().manual_seed(1),
                           collate_fn=lambda b: ember.data.default_collate(b)))
    assert len(fast) == len(slow) == 5
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.shape[1:] == (1, 28, 28) and fy.dtype == sy.dtype == np.int64
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())


def test_mnist_transforms_and_torchvision_layout(tmp_path):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    ref = _fake_mnist(raw, gz=False)
    ds = FashionMNIST(tmp_path, train=False, transform=lambda x: x * 2,
                      target_transform=lambda y: y + 100)
    img, label = ds[0]
    np.testing.assert_allclose(img.numpy()[0], ref["t10k"][0][0] / 255.0 * 2, rtol=1e-6)
    assert label == int(ref["t10k"][1][0]) + 100
    xb, yb = next(iter(DataLoader(ds, batch_size=2)))
    assert (yb.numpy() >= 100).all()
    assert len(FashionMNIST.classes) == 10


def test_mnist_missing_files_and_bad_contents(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"train-images-idx3-ubyte\[.gz\] not found.*download=True"):
        MNIST(tmp_path)
    _fake_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(3, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"expected uint8 \(12,\)"):
        MNIST(tmp_path)
    with pytest.raises(IndexError):
        MNIST(tmp_path, train=False)[5]


# ---- downloads from a local server ----------------------------------------------------------
class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/'www' on 127.0.0.1 (random port) from a background thread."""
    www = tmp_path / "www"
    www.mkdir()
    requests = []

    class H(_Handler):
        def do_GET(self):
            requests.append(self.path)
            return super().do_GET()

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(H, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield www, f"http://127.0.0.1:{httpd.server_address[1]}/mnist", requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _publish(www):
    folder = www / "mnist"
    folder.mkdir()
    _fake_mnist(folder, n_train=8, n_test=4, seed=3)
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def _leftovers(folder):
    return [n for n in os.listdir(folder) if n.endswith(".part")]


def test_download_verifies_and_loads(server, tmp_path):
    www, url, requests = server
    sums = _publish(www)
    root = tmp_path / "data"
    paths = MNIST.download(root, base_url=url, checksums=sums, timeout=10)
    assert sorted(os.path.basename(p) for p in paths) == sorted(sums)
    for p in paths:
        assert hashlib.sha256(open(p, "rb").read()).hexdigest() == sums[os.path.basename(p)]
    assert not _leftovers(root)
    assert len(requests) == 4
    ds = MNIST(root, train=True)
    assert len(ds) == 8
    # present and valid: nothing is fetched again, also through download=True
    MNIST(root, train=False, download=True, base_url=url, checksums=sums)
    assert len(requests) == 4


def test_download_checksum_mismatch_deletes_file(server, tmp_path):
    www, url, requests = server
    sums = _publish(www)
    bad = dict(sums, **{"train-labels-idx1-ubyte.gz": "0" * 64})
    root = tmp_path / "data"
    with pytest.raises(ChecksumError, match="SHA-256 mismatch.*train-labels-idx1-ubyte.gz.*expected 0000"):
        MNIST.download(root, base_url=url, checksums=bad, files=["train-labels-idx1-ubyte.gz"])
    assert not (root / "train-labels-idx1-ubyte.gz").exists()
    assert not _leftovers(root)
    # a corrupt file already present is replaced by a verified download
    (root / "train-labels-idx1-ubyte.gz").write_bytes(b"junk")
    MNIST.download(root, base_url=url, checksums=sums, files=["train-labels-idx1-ubyte.gz"])
    assert hashlib.sha256((root / "train-labels-idx1-ubyte.gz").read_bytes()).hexdigest() == \
        sums["train-labels-idx1-ubyte.gz"]


def test_download_unknown_checksum_refused_unless_verify_false(server, tmp_path):
    www, url, requests = server
    _publish(www)
    (www / "mnist" / "extra.gz").write_bytes(b"hello")
    root = tmp_path / "data"
    with pytest.raises(ValueError, match=r"no known SHA-256 for \['extra.gz'\].*verify=False"):
        MNIST.download(root, base_url=url, files=["extra.gz"])
    assert requests == [], "nothing may be fetched without a digest"
    MNIST.download(root, base_url=url, files=["extra.gz"], verify=False)
    assert (root / "extra.gz").read_bytes() == b"hello"


def test_download_env_url_and_http_errors(server, tmp_path, monkeypatch):
    www, url, requests = server
    sums = _publish(www)
    monkeypatch.setenv("EMBER_MNIST_URL", url)
    root = tmp_path / "env"
    MNIST.download(root, checksums=sums, files=["t10k-labels-idx1-ubyte.gz"])
    assert requests == ["/mnist/t10k-labels-idx1-ubyte.gz"]
    with pytest.raises(RuntimeError, match="HTTP 404"):
        download_url(url + "/missing.gz", root / "missing.gz", verify=False, timeout=10)
    assert not (root / "missing.gz").exists() and not _leftovers(root)
    src = www / "mnist" / "t10k-labels-idx1-ubyte.gz"
    got = download_url(src.as_uri(), root / "copy.gz", sha256=sums[src.name])
    assert open(got, "rb").read() == src.read_bytes()
    with pytest.raises(ValueError, match="must use http, https or file"):
        download_url("ftp://127.0.0.1/x", root / "x", verify=False)


def test_official_tables_are_sha256():
    for cls in (MNIST, FashionMNIST):
        assert len(cls.sha256) == 4
        for name, digest in cls.sha256.items():
            assert name.endswith("-ubyte.gz") and len(digest) == 64
            int(digest, 16)
