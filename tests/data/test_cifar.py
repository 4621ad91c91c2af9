"""CIFAR-10 binary batches built byte by byte: the record layout, local folders and archives,
safe extraction (path traversal, links), verified downloads from a 127.0.0.1 server, and
clear errors for bad files. Nothing is ever unpickled or fetched from the internet."""
import functools
import hashlib
import http.server
import io
import os
import tarfile
import threading

import numpy as np
import pytest

import ember
from ember.data import DataLoader
from ember.data.cifar import CIFAR10, extract_archive, read_cifar_batch
from ember.data.idx import ChecksumError

COUNTS = {"data_batch_1.bin": 3, "data_batch_2.bin": 2, "data_batch_3.bin": 4,
          "data_batch_4.bin": 1, "data_batch_5.bin": 2, "test_batch.bin": 3}


def _records(n, seed):
    """n records: label byte then R, G, B planes; returns (bytes, images HWC, labels)."""
    r = np.random.default_rng(seed)
    labels = r.integers(0, 10, n).astype(np.uint8)
    planes = r.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
    raw = b"".join(bytes([labels[k]]) + planes[k].tobytes() for k in range(n))
    return raw, planes.transpose(0, 2, 3, 1), labels


def _write_batches(folder, seed=0):
    os.makedirs(folder, exist_ok=True)
    ref = {}
    for k, (name, n) in enumerate(COUNTS.items()):
        raw, imgs, labels = _records(n, seed + k)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(raw)
        ref[name] = (imgs, labels)
    return ref


def _expected(ref, train):
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] if train else ["test_batch.bin"]
    return (np.concatenate([ref[n][0] for n in names]), np.concatenate([ref[n][1] for n in names]))


def _make_archive(path, src_folder, arcdir="cifar-10-batches-bin"):
    with tarfile.open(path, "w:gz") as tar:
        for name in sorted(os.listdir(src_folder)):
            tar.add(os.path.join(src_folder, name), arcname=f"{arcdir}/{name}")


# ---- the format ------------------------------------------------------------------------------
def test_record_layout_hand_built(tmp_path):
    red, green, blue = np.full(1024, 10, np.uint8), np.arange(1024) % 256, np.full(1024, 200, np.uint8)
    raw = bytes([7]) + red.tobytes() + green.astype(np.uint8).tobytes() + blue.tobytes()
    (tmp_path / "one.bin").write_bytes(raw)
    imgs, labels = read_cifar_batch(tmp_path / "one.bin")
    assert imgs.shape == (1, 32, 32, 3) and imgs.dtype == np.uint8
    assert labels.tolist() == [7] and labels.dtype == np.int64
    assert imgs[0, 0, 0].tolist() == [10, 0, 200]
    assert imgs[0, 0, 5, 1] == 5 and imgs[0, 1, 0, 1] == 32 % 256 and imgs[0, 31, 31, 1] == 1023 % 256


@pytest.mark.parametrize("layout", ["subfolder", "flat"])
def test_reads_local_files(tmp_path, layout):
    folder = tmp_path / "cifar-10-batches-bin" if layout == "subfolder" else tmp_path
    ref = _write_batches(folder)
    for train in (True, False):
        ds = CIFAR10(tmp_path, train=train)
        imgs, labels = _expected(ref, train)
        assert len(ds) == len(labels) == (12 if train else 3)
        assert ds.data.dtype == np.uint8 and ds.data.shape == (len(labels), 32, 32, 3)
        assert ds.targets.dtype == np.int64
        np.testing.assert_array_equal(ds.data.numpy(), imgs)
        np.testing.assert_array_equal(ds.targets.numpy(), labels)
        img, label = ds[-1]
        assert img.shape == (3, 32, 32) and img.dtype == np.float32
        np.testing.assert_allclose(img.numpy(), imgs[-1].transpose(2, 0, 1) / 255.0, rtol=1e-6)
        assert label == int(labels[-1]) and isinstance(label, int)
    assert CIFAR10.classes[3] == "cat" and len(CIFAR10.classes) == 10


def test_transforms_and_loader_fast_path(tmp_path):
    _write_batches(tmp_path / "cifar-10-batches-bin")
    ds = CIFAR10(tmp_path)
    fast = list(DataLoader(ds, batch_size=5, shuffle=True, generator=ember.Generator().manual_seed(1)))
    slow = list(DataLoader(ds, batch_size=5, shuffle=True, generator=ember.Generator().manual_seed(1),
                           collate_fn=lambda b: ember.data.default_collate(b)))
    assert len(fast) == len(slow) == 3
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert fx.shape[1:] == (3, 32, 32) and fx.dtype == np.float32 and fy.dtype == np.int64
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())
    tds = CIFAR10(tmp_path, train=False, transform=lambda x: x * 2, target_transform=lambda y: y + 100)
    img, label = tds[0]
    np.testing.assert_allclose(img.numpy(), ds.__class__(tmp_path, train=False)[0][0].numpy() * 2)
    assert label >= 100


def test_bad_files_give_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"data_batch_1.bin not found.*download=True"):
        CIFAR10(tmp_path)
    folder = tmp_path / "cifar-10-batches-bin"
    _write_batches(folder)
    good = (folder / "data_batch_3.bin").read_bytes()
    (folder / "data_batch_3.bin").write_bytes(good[:-10])        # truncated
    with pytest.raises(ValueError, match=r"data_batch_3.bin: size 12282 bytes is not a positive multiple of the 3073-byte record.*truncated"):
        CIFAR10(tmp_path)
    (folder / "data_batch_3.bin").write_bytes(b"")
    with pytest.raises(ValueError, match=r"data_batch_3.bin: size 0 bytes"):
        CIFAR10(tmp_path)
    bad = bytearray(good)
    bad[3073] = 10                                                 # label of record 1
    (folder / "data_batch_3.bin").write_bytes(bytes(bad))
    with pytest.raises(ValueError, match=r"data_batch_3.bin: record 1 has label 10, outside 0..9"):
        CIFAR10(tmp_path)
    with pytest.raises(IndexError):
        CIFAR10(tmp_path, train=False)[3]


# ---- archives --------------------------------------------------------------------------------
def test_local_archive_is_unpacked(tmp_path):
    src = tmp_path / "src"
    ref = _write_batches(src, seed=5)
    root = tmp_path / "root"
    root.mkdir()
    _make_archive(root / "cifar-10-binary.tar.gz", src)
    ds = CIFAR10(root, train=False)
    np.testing.assert_array_equal(ds.targets.numpy(), ref["test_batch.bin"][1])
    assert (root / "cifar-10-batches-bin" / "data_batch_5.bin").is_file()
    assert not [n for n in os.listdir(root / "cifar-10-batches-bin") if n.endswith(".part")]


def _evil_archive(path, member_name, payload=b"x" * 3073, kind="file", linkname=None):
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(member_name)
        if kind == "file":
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
        else:
            info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
            info.linkname = linkname
            tar.addfile(info)


@pytest.mark.parametrize("name", ["../escape.bin", "cifar-10-batches-bin/../../escape.bin",
                                  "/tmp/ember_abs_escape.bin"])
def test_extraction_refuses_path_traversal(tmp_path, name):
    arc = tmp_path / "a.tar.gz"
    _evil_archive(arc, name)
    dest = tmp_path / "dest"
    with pytest.raises(ValueError, match="refusing member .* leaves the destination"):
        extract_archive(arc, dest)
    assert not (tmp_path / "escape.bin").exists()
    assert not os.path.exists("/tmp/ember_abs_escape.bin")


def test_extraction_skips_links_and_never_writes_through_them(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    arc = tmp_path / "links.tar.gz"
    with tarfile.open(arc, "w:gz") as tar:
        link = tarfile.TarInfo("cifar-10-batches-bin")        # a directory-named symlink ...
        link.type, link.linkname = tarfile.SYMTYPE, str(outside)
        tar.addfile(link)
        hard = tarfile.TarInfo("hard.bin")
        hard.type, hard.linkname = tarfile.LNKTYPE, "/etc/passwd"
        tar.addfile(hard)
        payload = b"y" * 10
        f = tarfile.TarInfo("cifar-10-batches-bin/test_batch.bin")   # ... then a file "inside" it
        f.size = len(payload)
        tar.addfile(f, io.BytesIO(payload))
    dest = tmp_path / "dest"
    written = extract_archive(arc, dest)
    assert not os.listdir(outside), "nothing written through a link"
    assert not (dest / "hard.bin").exists()
    assert [os.path.relpath(p, os.path.realpath(dest)) for p in written] == [
        os.path.join("cifar-10-batches-bin", "test_batch.bin")]
    assert not os.path.islink(dest / "cifar-10-batches-bin")
    # a symlink already present in the destination is not followed either
    dest2 = tmp_path / "dest2"
    dest2.mkdir()
    os.symlink(outside, dest2 / "cifar-10-batches-bin")
    with pytest.raises(ValueError, match="resolves to .* outside"):
        extract_archive(arc, dest2)
    assert not os.listdir(outside)


def test_corrupt_archive(tmp_path):
    arc = tmp_path / "cifar-10-binary.tar.gz"
    arc.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(ValueError, match="cifar-10-binary.tar.gz is (not a readable tar archive|corrupt)"):
        extract_archive(arc, tmp_path / "x")


# ---- downloads from a local server -----------------------------------------------------------
@pytest.fixture
def server(tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    requests = []

    class H(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            requests.append(self.path)
            return super().do_GET()

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(H, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield www, f"http://127.0.0.1:{httpd.server_address[1]}/cifar", requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _publish(www, tmp_path):
    src = tmp_path / "published"
    ref = _write_batches(src, seed=11)
    (www / "cifar").mkdir()
    arc = www / "cifar" / "cifar-10-binary.tar.gz"
    _make_archive(arc, src)
    return ref, {"cifar-10-binary.tar.gz": hashlib.sha256(arc.read_bytes()).hexdigest()}


def test_download_verifies_unpacks_and_loads(server, tmp_path):
    www, url, requests = server
    ref, sums = _publish(www, tmp_path)
    root = tmp_path / "data"
    ds = CIFAR10(root, train=True, download=True, base_url=url, checksums=sums)
    assert requests == ["/cifar/cifar-10-binary.tar.gz"]
    np.testing.assert_array_equal(ds.data.numpy(), _expected(ref, True)[0])
    assert not [n for n in os.listdir(root) if n.endswith(".part")]
    # everything present: no second request
    CIFAR10(root, train=False, download=True, base_url=url, checksums=sums)
    assert len(requests) == 1
    # the official digest does not match the fake archive: refused, nothing kept
    root2 = tmp_path / "data2"
    with pytest.raises(ChecksumError, match="SHA-256 mismatch.*expected c4a38c50"):
        CIFAR10.download(root2, base_url=url)
    assert not (root2 / "cifar-10-binary.tar.gz").exists()
    assert not [n for n in os.listdir(root2) if n.endswith(".part")]


def test_download_unknown_digest_refused_unless_verify_false(server, tmp_path, monkeypatch):
    www, url, requests = server
    ref, _ = _publish(www, tmp_path)
    monkeypatch.setattr(CIFAR10, "sha256", {})
    root = tmp_path / "data"
    with pytest.raises(ValueError, match=r"no known SHA-256 for 'cifar-10-binary.tar.gz'.*verify=False"):
        CIFAR10(root, download=True, base_url=url)
    assert requests == [], "nothing may be fetched without a digest"
    monkeypatch.setenv("EMBER_CIFAR10_URL", url)
    folder = CIFAR10.download(root, verify=False)
    assert requests == ["/cifar/cifar-10-binary.tar.gz"]
    assert os.path.basename(folder) == "cifar-10-batches-bin"
    np.testing.assert_array_equal(CIFAR10(root, train=False).targets.numpy(), ref["test_batch.bin"][1])


def test_official_digest_is_sha256():
    digest = CIFAR10.sha256["cifar-10-binary.tar.gz"]
    assert len(digest) == 64 and int(digest, 16) >= 0
