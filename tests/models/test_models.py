"""The model zoo: parameter counts equal torchvision's, shapes, and LeNet-5 really learns."""
import numpy as np
import pytest

import ember
from ember.data import DataLoader
from ember.data.datasets import load_digits

TORCHVISION_COUNTS = {   # torchvision.models.<name>(num_classes=1000), counted there
    "alexnet": 61_100_840, "vgg11": 132_863_336, "vgg11_bn": 132_868_840, "vgg13": 133_047_848,
    "vgg16": 138_357_544, "vgg16_bn": 138_365_992, "vgg19": 143_667_240,
}


@pytest.mark.parametrize("name", sorted(TORCHVISION_COUNTS))
def test_parameter_counts_equal_torchvision(name):
    model = ember.models.get_model(name)
    assert sum(p.numel() for p in model.parameters()) == TORCHVISION_COUNTS[name]


def test_small_variants_shapes_and_lenet_classic_count():
    # LeNet-5 on 32x32: conv 1->6 (156) + conv 6->16 (2416) + fc 400->120 (48120) + 120->84 (10164) + 84->10 (850)
    assert sum(p.numel() for p in ember.models.lenet5(input_size=32).parameters()) == 61_706
    for size, ch in ((8, 1), (28, 1), (32, 1)):
        assert ember.models.lenet5(in_channels=ch, input_size=size)(ember.randn(2, ch, size, size)).shape == (2, 10)
    assert ember.models.vgg_small(num_classes=7)(ember.randn(2, 3, 32, 32)).shape == (2, 7)
    assert ember.models.vgg_small(in_channels=1, input_size=28)(ember.randn(2, 1, 28, 28)).shape == (2, 10)
    assert ember.models.alexnet_small(in_channels=1, input_size=28)(ember.randn(2, 1, 28, 28)).shape == (2, 10)
    with pytest.raises(ValueError, match=r"LeNet5: expected input \(N, C, 28, 28\), got shape \(2, 1, 8, 8\)"):
        ember.models.lenet5()(ember.randn(2, 1, 8, 8))
    with pytest.raises(ValueError, match="input_size=30"):
        ember.models.lenet5(input_size=30)


def test_lenet5_learns_digits():
    ember.manual_seed(0)
    tr = load_digits("train", as_images=True)
    te = load_digits("test", as_images=True)
    X, y = tr.tensors
    mean, std = float(X.mean()), float(X.std())
    train = ember.data.TensorDataset((X - mean) / std, y)
    test = ember.data.TensorDataset((te.tensors[0] - mean) / std, te.tensors[1])
    model = ember.models.lenet5(input_size=8)
    opt = ember.optim.Adam(model.parameters(), lr=3e-3)
    sched = ember.optim.lr_scheduler.CosineAnnealingLR(opt, 12)
    trainer = ember.train.Trainer(model, opt, scheduler=sched, progress=False)
    hist = trainer.fit(DataLoader(train, batch_size=64, shuffle=True, generator=ember.Generator().manual_seed(0)),
                       DataLoader(test, batch_size=450), epochs=12)
    assert hist["val_accuracy"][-1] >= 0.97


def test_cli_trains_lenet5_on_digits(tmp_path):
    import json
    from ember.cli import main
    assert main(["train", "--model", "lenet5", "--data", "digits", "--epochs", "30", "--out", str(tmp_path),
                 "--no-progress"]) == 0
    assert json.loads((tmp_path / "metrics.json").read_text())["test_accuracy"] >= 0.98
