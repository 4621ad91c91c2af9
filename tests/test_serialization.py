"""ember.serialization: pickle-free checkpoints in safetensors, round trips, interop and
errors on damaged files."""
import io
import json
import math
import os
import struct

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file, save_file

import ember
from ember.serialization import load, load_checkpoint, save, save_checkpoint


def _same(a, b, where="root"):
    if isinstance(b, ember.Tensor):
        assert isinstance(a, ember.Tensor), f"{where}: {type(a).__name__} is not a Tensor"
        assert a.dtype == b.dtype and a.shape == b.shape, f"{where}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        assert a.requires_grad == b.requires_grad, where
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=where)
    elif isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and a.dtype == b.dtype.newbyteorder("=") \
            and a.shape == b.shape, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(b, dict):
        assert isinstance(a, dict) and list(a) == list(b), f"{where}: keys {list(a)} vs {list(b)}"
        for k in b:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(b, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(b, float) and math.isnan(b):
        assert isinstance(a, float) and math.isnan(a), where
    else:
        assert a == b and type(a) is type(b), f"{where}: {a!r} vs {b!r}"


def _state(seed=0):
    r = np.random.default_rng(seed)
    return {
        "model": {
            "fc1.weight": ember.tensor(r.standard_normal((4, 3)), dtype=ember.float32),
            "fc1.bias": ember.tensor(r.standard_normal(4), dtype=ember.float64),
            "bn.num_batches_tracked": ember.tensor(7),
            "mask": ember.tensor([True, False]),
            "half": ember.tensor([1.5, -2.0], dtype=ember.float16),
            "scalar": ember.tensor(3.25),
            "empty": ember.zeros(0, 5),
            "transposed": ember.tensor(r.standard_normal((3, 5))).transpose(0, 1),
        },
        "optimizer": {
            "state": {0: {"step": 12, "exp_avg": ember.tensor(r.standard_normal(3)),
                          "momentum_buffer": None},
                      1: {"step": 12, "exp_avg": np.arange(4, dtype=np.int32)}},
            "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8,
                              "weight_decay": 0.0, "amsgrad": False, "params": [0, 1],
                              "name": "default"}],
        },
        "epoch": 3, "best": float("inf"), "worst": float("-inf"), "nan": float("nan"),
        "dtype": np.dtype(np.float32), "np_int": np.int64(4), "np_float": np.float32(0.5),
        "big_endian": np.arange(3, dtype=">f8"),
        "w_grad": ember.tensor([1.0, 2.0], requires_grad=True),
    }


def test_round_trip_nested_state(tmp_path):
    state = _state()
    path = tmp_path / "ckpt.safetensors"
    save(state, path)
    back = load(path)
    expected = dict(state, np_int=4, np_float=0.5)
    _same(back, expected)
    assert back["model"]["transposed"].shape == (5, 3)
    assert isinstance(back["optimizer"]["state"][0]["exp_avg"], ember.Tensor)
    assert isinstance(back["optimizer"]["state"][1]["exp_avg"], np.ndarray)
    # loaded arrays are writable (an optimizer updates them in place)
    back["model"]["fc1.weight"].array += 1
    assert [f for f in os.listdir(tmp_path)] == ["ckpt.safetensors"], "no temp or sidecar files"


def test_file_object_round_trip():
    buf = io.BytesIO()
    save({"x": ember.arange(5), "y": [1, "two", None]}, buf)
    buf.seek(0)
    _same(load(buf), {"x": ember.arange(5), "y": [1, "two", None]})


def test_flat_state_dict_is_plain_safetensors_for_torch(tmp_path):
    tm = torch.nn.Linear(3, 2).double()
    sd = {k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()}
    path = tmp_path / "linear.safetensors"
    save(sd, path)
    raw = load_file(str(path))
    assert sorted(raw) == ["bias", "weight"]
    from safetensors.torch import load_file as torch_load
    t2 = torch.nn.Linear(3, 2).double()
    t2.load_state_dict(torch_load(str(path)))
    x = torch.randn(4, 3, dtype=torch.float64)
    torch.testing.assert_close(t2(x), tm(x))


def test_plain_safetensors_file_loads_flat(tmp_path):
    path = str(tmp_path / "plain.safetensors")
    save_file({"a": np.ones((2, 2), np.float32), "b": np.arange(3)}, path)
    back = load(path)
    assert sorted(back) == ["a", "b"] and isinstance(back["a"], ember.Tensor)
    np.testing.assert_array_equal(back["b"].numpy(), np.arange(3))


def test_name_collisions_are_kept_apart(tmp_path):
    state = {"a.b": ember.tensor([1.0]), "a": {"b": ember.tensor([2.0])}, "l": [ember.tensor([3.0])]}
    save(state, tmp_path / "c")
    _same(load(tmp_path / "c"), state)
    assert sorted(load_file(str(tmp_path / "c"))) == ["a.b", "a.b#1", "l.0"]


def test_optimizer_state_from_torch_round_trips(tmp_path):
    p = torch.nn.Parameter(torch.randn(3, 2, dtype=torch.float64))
    opt = torch.optim.Adam([p], lr=0.01)
    for _ in range(2):
        p.grad = torch.randn_like(p)
        opt.step()
    sd = opt.state_dict()

    def conv(x):
        if isinstance(x, torch.Tensor):
            return ember.tensor(x.numpy())
        if isinstance(x, dict):
            return {k: conv(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return type(x)(conv(v) for v in x)
        return x
    esd = conv(sd)
    save_checkpoint(tmp_path / "run.safetensors", {"w": ember.tensor(p.detach().numpy())}, esd,
                    config={"lr": 0.01, "layers": [3, 2]}, epoch=2)
    ck = load_checkpoint(tmp_path / "run.safetensors")
    _same(ck["optimizer"], esd)
    assert ck["config"] == {"lr": 0.01, "layers": [3, 2]} and ck["epoch"] == 2
    assert ck["optimizer"]["state"][0]["step"].item() == 2.0
    with pytest.raises(ValueError, match="clashes"):
        save_checkpoint(tmp_path / "x", {}, config={}, model=1)


def test_unsupported_values_are_rejected_without_pickle(tmp_path):
    with pytest.raises(TypeError, match=r"type object at .*no pickle"):
        save({"f": object()}, tmp_path / "x")
    with pytest.raises(TypeError, match=r"dict keys must be str or int.*\(1, 2\)"):
        save({(1, 2): 3}, tmp_path / "x")
    with pytest.raises(TypeError, match="complex128 cannot be stored"):
        save({"c": np.zeros(2, dtype=complex)}, tmp_path / "x")
    assert not os.listdir(tmp_path), "a failed save leaves nothing behind"


def _written(tmp_path):
    path = tmp_path / "good.safetensors"
    save(_state(1), path)
    return path, path.read_bytes()


@pytest.mark.parametrize("cut", [0, 5, 8, 40, -1, -17])
def test_truncated_files_raise_value_error(tmp_path, cut):
    path, raw = _written(tmp_path)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(raw[:cut] if cut >= 0 else raw[:len(raw) + cut])
    with pytest.raises(ValueError, match=r"bad\.safetensors.*(truncated|corrupt)"):
        load(bad)


def test_corrupt_files_raise_value_error(tmp_path):
    path, raw = _written(tmp_path)
    bad = tmp_path / "bad.safetensors"
    # a flipped byte inside the tensor data: caught by the stored digests
    flipped = bytearray(raw)
    flipped[-3] ^= 0xFF
    bad.write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match="do not match their SHA-256"):
        load(bad)
    assert isinstance(load(bad, verify=False), dict)
    # garbage
    bad.write_bytes(b"not a checkpoint at all, just text")
    with pytest.raises(ValueError, match="bad.safetensors"):
        load(bad)
    # header that is not JSON
    n = struct.unpack("<Q", raw[:8])[0]
    bad.write_bytes(raw[:8] + b"{" * n + raw[8 + n:])
    with pytest.raises(ValueError, match="not valid JSON"):
        load(bad)
    # structure metadata damaged
    header = json.loads(raw[8:8 + n])
    header["__metadata__"]["ember.structure"] = '{"dict": [["a", {"tensor": "nope"}]]}'
    hb = json.dumps(header).encode()
    hb += b" " * (-len(hb) % 8)
    bad.write_bytes(struct.pack("<Q", len(hb)) + hb + raw[8 + n:])
    with pytest.raises(ValueError, match="tensor 'nope' is missing"):
        load(bad)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load(tmp_path / "absent.safetensors")
    save({"weights": ember.ones(2)}, tmp_path / "plain")
    with pytest.raises(ValueError, match="holds no 'model' entry"):
        load_checkpoint(tmp_path / "plain")


def test_save_overwrites_atomically(tmp_path):
    path = tmp_path / "c.safetensors"
    save({"v": 1}, path)
    save({"v": 2, "t": ember.ones(3)}, path)
    assert load(path)["v"] == 2
    assert os.listdir(tmp_path) == ["c.safetensors"]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save({"v": 1}, tmp_path / "missing_dir" / "c")
