"""Fine-tuning utilities: freezing by pattern (no gradient, optimizer leaves it alone),
frozen batch norm held in eval mode through ``train()``, head replacement on several
families, per-group learning rates, loading with a new head, and the CLI path."""
import numpy as np
import pytest

import ember
from ember import models
from ember.train import finetune


def test_freeze_stops_gradients_and_keeps_frozen_batch_norm_in_eval():
    ember.manual_seed(0)
    m = models.resnet20(num_classes=3, in_channels=1)
    frozen = finetune.freeze(m, ["conv1.*", "bn1.*", "layer1.*"])
    assert len(frozen) == 3 + 6 * 3    # stem conv + BN (2), 3 blocks of 2 convs + 2 BNs (6 each)
    before = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    opt = ember.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    m.train()
    for _ in range(2):
        loss = ember.nn.functional.cross_entropy(m(ember.randn(4, 1, 8, 8)), ember.tensor([0, 1, 2, 0]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert m.bn1.training is False and m.layer2[0].bn1.training is True   # train() did not reach it
    after = m.state_dict()
    for k, v in before.items():
        same = np.array_equal(after[k].numpy(), v)
        # frozen weights and the frozen BNs' running statistics stay; the rest moves
        if k.startswith(("conv1.", "bn1.", "layer1.")):
            assert same, k
        elif k.endswith(("weight", "running_mean")):
            assert not same, k
    assert m.conv1.weight.grad is None
    finetune.unfreeze(m, "bn1.*")
    m.train()(ember.randn(2, 1, 8, 8))
    assert m.bn1.training is True and m.bn1.weight.requires_grad
    with pytest.raises(ValueError, match=r"pattern\(s\) \['layer9\.\*'\] match no parameter"):
        finetune.freeze(m, "layer9.*")


@pytest.mark.parametrize("name, head", [("resnet20", "fc"), ("mobilenet_v2", "classifier.1"),
                                        ("densenet_bc_100_12", "classifier"), ("dpn68", "last_linear")])
def test_replace_head_finds_the_classifier(name, head):
    m = models.get_model(name, num_classes=10)
    assert finetune.replace_head(m, 4) == head
    assert m.get_submodule(head).weight.shape[0] == 4
    if name == "resnet20":
        assert m(ember.randn(2, 3, 32, 32)).shape == (2, 4)


def test_param_groups_and_load_pretrained_with_a_new_head():
    src = models.resnet20(num_classes=10)
    dst = models.resnet20(num_classes=5)
    loaded, skipped = finetune.load_pretrained(dst, src.state_dict())
    assert skipped == ["fc.weight", "fc.bias"] and "conv1.weight" in loaded
    assert np.array_equal(dst.conv1.weight.detach().numpy(), src.conv1.weight.detach().numpy())
    finetune.freeze(dst, "layer1.*")
    groups = finetune.param_groups(dst, {"fc.*": 0.1, "layer3.*": 0.01}, default_lr=0.001)
    assert [g["lr"] for g in groups] == [0.1, 0.01, 0.001]
    n_trainable = len(finetune.trainable_parameters(dst))
    assert sum(len(g["params"]) for g in groups) == n_trainable == len(list(dst.parameters())) - 18
    opt = ember.optim.SGD(groups, lr=1.0)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01, 0.001]
    with pytest.raises(RuntimeError, match="unexpected keys"):
        finetune.load_pretrained(dst, {**src.state_dict(), "extra.weight": ember.zeros(1)})


def test_cli_finetune_freezes_layer1(tmp_path, capsys):
    from ember.cli import main
    ckpt = tmp_path / "pre.safetensors"   # a "pretrained" net with another head (7 classes)
    ember.serialization.save_checkpoint(str(ckpt), models.resnet20(num_classes=7, in_channels=1).state_dict())
    a = ember.load(ckpt)["model"]
    assert main(["train", "--model", "resnet20", "--data", "digits", "--epochs", "1", "--no-progress",
                 "--batch-size", "128", "--out", str(tmp_path / "b"), "--finetune", str(ckpt),
                 "--freeze", "layer1.*"]) == 0
    assert "2 re-initialised (fc.weight, fc.bias), 18 parameters frozen" in capsys.readouterr().out
    b = ember.load(tmp_path / "b" / "model.safetensors")["model"]
    assert all(np.array_equal(a[k].numpy(), b[k].numpy()) for k in a if k.startswith("layer1."))
    assert not np.array_equal(a["layer2.0.conv1.weight"].numpy(), b["layer2.0.conv1.weight"].numpy())
    assert b["fc.weight"].shape == (10, 64)
    with pytest.raises(SystemExit, match="--freeze"):
        main(["train", "--model", "resnet20", "--epochs", "1", "--out", str(tmp_path / "c"),
              "--finetune", str(ckpt), "--freeze", "nothing.*"])
