"""torchvision checkpoints by name: convert_torch_checkpoint (torch.load with
weights_only=True) -> safetensors -> ember model; load_state_dict's errors for missing,
unexpected and mis-shaped keys, and strict=False's report, as torch gives them."""
import pickle

import numpy as np
import pytest
import torch

import ember
from ember import models

from ._zoo import REFERENCE, build


def _torch_state(name):
    g = torch.Generator().manual_seed(0)
    return {k: (torch.zeros(s, dtype=torch.int64) if k.endswith("num_batches_tracked")
                else torch.randn(s, generator=g, dtype=torch.float32))
            for k, s in REFERENCE[name]["state_dict"]}


def test_converted_torchvision_checkpoint_loads_by_name(tmp_path):
    state = _torch_state("shufflenet_v2_x0_5")
    torch.save(state, tmp_path / "sn.pth")
    shapes = models.convert_torch_checkpoint(tmp_path / "sn.pth", tmp_path / "sn.safetensors")
    assert shapes == {k: tuple(v.shape) for k, v in state.items()}
    model = models.shufflenet_v2_x0_5(weights=tmp_path / "sn.safetensors")
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), state[k].numpy())
    assert model.state_dict()["conv1.1.num_batches_tracked"].dtype == ember.int64


def test_wrapped_and_data_parallel_checkpoints(tmp_path):
    state = {"module." + k: v for k, v in _torch_state("shufflenet_v2_x0_5").items()}
    torch.save({"state_dict": state, "epoch": 3}, tmp_path / "wrapped.pth")
    models.convert_torch_checkpoint(tmp_path / "wrapped.pth", tmp_path / "w.safetensors")
    build("shufflenet_v2_x0_5").load_state_dict(ember.load(tmp_path / "w.safetensors"))


class Payload:
    def __reduce__(self):
        return (print, ("arbitrary code ran",))


def test_checkpoint_that_needs_code_is_refused(tmp_path):
    with open(tmp_path / "evil.pth", "wb") as f:
        pickle.dump({"w": Payload()}, f, protocol=2)
    torch.save({"w": torch.ones(2), "obj": Payload()}, tmp_path / "evil2.pth")
    for name in ("evil.pth", "evil2.pth"):
        with pytest.raises(ValueError, match="could not be read with weights_only=True"):
            models.convert_torch_checkpoint(tmp_path / name, tmp_path / "out.safetensors")
    with pytest.raises(FileNotFoundError, match="no file at src"):
        models.convert_torch_checkpoint(tmp_path / "nope.pth", tmp_path / "out.safetensors")
    with pytest.raises(ValueError, match="weights=3: expected None or the path"):
        models.resnet20(weights=3)


def test_load_state_dict_lists_missing_unexpected_and_mismatched_keys():
    model = models.resnet20(num_classes=10)
    state = dict(model.state_dict())
    del state["fc.bias"]
    state["head.weight"] = ember.zeros(3)
    with pytest.raises(RuntimeError, match=r"missing keys: fc\.bias\n  unexpected keys: head\.weight"):
        model.load_state_dict(state)
    # strict=False reports them as torch does (a named tuple) and loads the rest
    state["conv1.weight"] = ember.ones(16, 3, 3, 3)
    result = model.load_state_dict(state, strict=False)
    assert (result.missing_keys, result.unexpected_keys) == (["fc.bias"], ["head.weight"])
    assert float(model.conv1.weight.sum()) == 16 * 27
    # a shape mismatch is an error even with strict=False (torch's rule)
    bad = dict(model.state_dict())
    bad["fc.weight"] = ember.zeros(5, 64)
    with pytest.raises(RuntimeError, match=r"size mismatch: fc\.weight: checkpoint shape \(5, 64\), "
                                           r"model shape \(10, 64\)"):
        model.load_state_dict(bad, strict=False)
