"""Trainer, callbacks, anomaly detection and the train/eval CLI end to end."""
import json

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.data import DataLoader, TensorDataset
from ember.data.datasets import load_digits
from ember.train import Trainer, EarlyStopping, ModelCheckpoint, SwitchOptimizer, detect_anomaly, AnomalyError


def digits_loaders(seed=0):
    g = ember.Generator().manual_seed(seed)
    return (DataLoader(load_digits("train"), batch_size=64, shuffle=True, generator=g),
            DataLoader(load_digits("test"), batch_size=256))


def test_trainer_learns_digits_and_records_history():
    ember.manual_seed(0)
    model = ember.models.mlp(64, (64,), 10)
    tr, te = digits_loaders()
    trainer = Trainer(model, ember.optim.Adam(model.parameters(), lr=3e-3), progress=False)
    hist = trainer.fit(tr, te, epochs=8)
    assert len(hist) == 8 and hist["epoch"] == list(range(1, 9))
    assert hist["loss"][-1] < hist["loss"][0] / 4
    assert hist["val_accuracy"][-1] > 0.94
    assert all(v == pytest.approx(3e-3) for v in hist["lr"])
    assert all(g > 0 for g in hist["grad_norm"])
    res = trainer.evaluate(te)
    assert res["accuracy"] == pytest.approx(hist["val_accuracy"][-1])
    assert trainer.predict(load_digits("test").tensors[0]).shape == (450, 10)


def test_early_stopping_restores_the_best_epoch():
    # a tiny training set and a big network overfit: the validation loss turns up
    ember.manual_seed(0)
    X, y = load_digits("train", return_X_y=True)
    small = DataLoader(TensorDataset(X[:60], y[:60]), batch_size=60)
    _, te = digits_loaders()
    model = ember.models.mlp(64, (256,), 10)
    es = EarlyStopping("val_loss", patience=3)
    trainer = Trainer(model, ember.optim.Adam(model.parameters(), lr=1e-2), callbacks=[es], progress=False)
    hist = trainer.fit(small, te, epochs=200)
    assert len(hist) < 200 and es.stopped_epoch == len(hist)
    best = int(np.argmin(hist["val_loss"])) + 1
    assert es.best_epoch == best and trainer.best_epoch == best
    assert trainer.evaluate(te)["loss"] == pytest.approx(min(hist["val_loss"]), rel=1e-5)


def test_model_checkpoint_and_optimizer_switch_and_scheduler(tmp_path):
    ember.manual_seed(0)
    model = ember.models.mlp(64, (32,), 10)
    tr, te = digits_loaders()
    opt = ember.optim.Adam(model.parameters(), lr=1e-2)
    sched = ember.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    ck = ModelCheckpoint(tmp_path / "best.safetensors", monitor="val_accuracy")
    switch = SwitchOptimizer(4, lambda params: ember.optim.SGD(params, lr=0.05, momentum=0.9))
    trainer = Trainer(model, opt, scheduler=sched, callbacks=[ck, switch], progress=False)
    hist = trainer.fit(tr, te, epochs=5)
    assert hist["lr"][:3] == pytest.approx([1e-2, 1e-2, 5e-3])
    assert isinstance(trainer.optimizer, ember.optim.SGD) and hist["lr"][3] == pytest.approx(0.05)
    assert ck.saved_epochs and (tmp_path / "best.safetensors").exists()
    back = ember.serialization.load(str(tmp_path / "best.safetensors"))
    assert set(back) == set(model.state_dict())


def test_reduce_on_plateau_halves_when_stuck():
    model = ember.models.mlp(2, (4,), 2)
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    sched = ember.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    stuck = lambda out, y: (out * 0).sum() + 1.0          # a loss that never improves  # noqa: E731
    trainer = Trainer(model, opt, loss_fn=stuck, scheduler=sched, progress=False, accuracy=False)
    hist = trainer.fit(DataLoader(TensorDataset(ember.randn(8, 2), ember.randint(0, 2, (8,))), batch_size=8), epochs=7)
    assert hist["lr"] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025])


def test_detect_anomaly_names_the_layer_and_parameter():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with ember.no_grad():
        net[2].weight.array[0, 0] = np.inf
    with pytest.raises(AnomalyError, match="module '2'") as e:
        with detect_anomaly(net):
            net(ember.ones(1, 3))
    assert e.value.where == "2"
    net2 = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    with ember.no_grad():
        net2[2].weight.array[...] = 1e9
    with pytest.raises(AnomalyError, match="parameter '2.weight'|parameter '0") as e:
        with detect_anomaly(net2, max_grad_norm=1e3):
            net2(ember.ones(2, 3)).sum().backward()
    assert e.value.kind == "grad_norm"
    # the trainer stops on a NaN loss
    model = ember.models.mlp(2, (4,), 2)
    trainer = Trainer(model, ember.optim.SGD(model.parameters(), lr=1e12), detect_anomaly=True, progress=False)
    X, y = ember.randn(64, 2) * 100, ember.randint(0, 2, (64,))
    with pytest.raises(AnomalyError):
        trainer.fit(DataLoader(TensorDataset(X, y), batch_size=8), epochs=20)


def test_trainer_bad_arguments():
    model = ember.models.mlp(2, (4,), 2)
    with pytest.raises(TypeError, match="Module"):
        Trainer(object(), None)
    with pytest.raises(ValueError, match="clip_grad_norm=0"):
        Trainer(model, None, clip_grad_norm=0)
    with pytest.raises(ValueError, match="epochs=0"):
        Trainer(model, ember.optim.SGD(model.parameters(), lr=0.1)).fit([], epochs=0)
    with pytest.raises(ValueError, match="unknown model 'resnet999'"):
        ember.models.get_model("resnet999")


def test_cli_train_and_eval_end_to_end(tmp_path, capsys):
    from ember.cli import main
    out = tmp_path / "run"
    assert main(["train", "--epochs", "30", "--out", str(out), "--no-progress"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.97
    hist = json.loads((out / "history.json").read_text())
    assert len(hist["loss"]) == 30
    for f in ("model.safetensors", "curves.png", "config.json"):
        assert (out / f).stat().st_size > 0
    capsys.readouterr()
    assert main(["eval", "--checkpoint", str(out / "model.safetensors")]) == 0
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert res["test_accuracy"] == pytest.approx(metrics["test_accuracy"])
    with pytest.raises(SystemExit, match="valid models: alexnet, .*lenet5, mlp, .*vgg_small"):
        main(["train", "--model", "nope"])
    with pytest.raises(SystemExit, match="valid datasets"):
        main(["train", "--data", "nope"])
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(SystemExit, match="cannot load checkpoint"):
        main(["eval", "--checkpoint", str(bad)])


def test_cli_train_on_a_synthetic_set(tmp_path):
    from ember.cli import main
    assert main(["train", "--data", "moons", "--epochs", "15", "--hidden", "32,32", "--out", str(tmp_path),
                 "--no-progress"]) == 0
    assert json.loads((tmp_path / "metrics.json").read_text())["test_accuracy"] > 0.9


def test_train_transform_is_applied_to_training_batches_only(tmp_path):
    ember.manual_seed(0)
    model = ember.models.mlp(64, (32,), 10)
    tr, te = digits_loaders()
    seen = []

    def blank(x):          # erase every training input: nothing can be learned
        seen.append(x.shape[0])
        return x * 0
    trainer = Trainer(model, ember.optim.Adam(model.parameters(), lr=1e-2), progress=False, train_transform=blank)
    hist = trainer.fit(tr, te, epochs=2)
    assert sum(seen) == 2 * 1347
    assert hist["val_accuracy"][-1] < 0.2
    from ember.cli import main
    assert main(["train", "--model", "lenet5", "--augment", "--epochs", "2", "--out", str(tmp_path),
                 "--no-progress"]) == 0
    assert json.loads((tmp_path / "config.json").read_text())["augment"] is True


def test_cli_trains_on_mnist_files_in_a_local_folder(tmp_path):
    """`--data mnist --data-dir DIR` reads the official IDX files (here small generated ones)."""
    from ember.cli import main
    from ember.data import write_idx
    rng = np.random.default_rng(0)
    for split, n in (("train", 200), ("t10k", 100)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = np.zeros((n, 28, 28), dtype=np.uint8)
        for i, c in enumerate(labels):          # class c lights up a 3x3 block at a class-specific place
            images[i, 2 * c + 2:2 * c + 5, 2 * c + 2:2 * c + 5] = 255
        write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz", images)
        write_idx(tmp_path / f"{split}-labels-idx1-ubyte", labels)
    out = tmp_path / "run"
    assert main(["train", "--data", "mnist", "--data-dir", str(tmp_path), "--epochs", "5", "--out", str(out),
                 "--no-progress"]) == 0
    assert json.loads((out / "metrics.json").read_text())["test_accuracy"] > 0.9
    with pytest.raises(SystemExit, match="--data-dir"):
        main(["train", "--data", "mnist"])
