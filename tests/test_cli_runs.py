"""`ember train` never loses work (issue 15, defects 15-19): the output folder is checked
before training, an earlier run is not overwritten silently, a checkpoint is written every
epoch, Ctrl-C stops at a step boundary and an interrupted then resumed run ends with the
same weights as an uninterrupted one, bit for bit; validation comes from the training data;
bad arguments are refused before anything is written."""
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import ember
from ember.cli import main

ARGS = ["train", "--data", "xor", "--hidden", "16", "--dropout", "0.2", "--batch-size", "100",
        "--epochs", "2", "--no-progress"]


def _weights(folder):
    return {k: v.numpy() for k, v in ember.load(str(folder / "model.safetensors"))["model"].items()}


def test_interrupted_and_resumed_run_equals_uninterrupted(tmp_path, monkeypatch, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(ARGS + ["--out", str(a)]) == 0
    real_step = ember.train.Trainer.train_step
    calls = []

    def step_then_ctrl_c(self, x, y):
        out = real_step(self, x, y)
        calls.append(1)
        if len(calls) == 9:                  # the first step of epoch 2 (720 samples: 8 steps an epoch)
            signal.raise_signal(signal.SIGINT)
        return out

    monkeypatch.setattr(ember.train.Trainer, "train_step", step_then_ctrl_c)
    assert main(ARGS + ["--out", str(b)]) == 130
    err = capsys.readouterr().err
    assert "interrupted during epoch 2" in err and "--resume" in err
    assert len(calls) == 9                   # stopped right after the step that saw Ctrl-C
    assert ember.load(str(b / "last.safetensors"))["epoch"] == 1
    assert not (b / "model.safetensors").exists()
    monkeypatch.setattr(ember.train.Trainer, "train_step", real_step)
    assert main(ARGS + ["--out", str(b), "--resume"]) == 0
    wa, wb = _weights(a), _weights(b)
    assert wa.keys() == wb.keys()
    for k in wa:
        assert np.array_equal(wa[k], wb[k]), k
    ha = json.loads((a / "history.json").read_text())
    hb = json.loads((b / "history.json").read_text())
    assert ha["loss"] == hb["loss"] and ha["val_loss"] == hb["val_loss"]


def test_existing_run_needs_overwrite_and_resume_needs_the_same_settings(tmp_path):
    out = tmp_path / "r"
    with pytest.raises(SystemExit, match="no checkpoint"):
        main(ARGS + ["--out", str(out), "--resume"])
    args = ARGS[:-3] + ["--epochs", "1", "--no-progress", "--out", str(out)]
    assert main(args) == 0
    before = (out / "model.safetensors").read_bytes()
    with pytest.raises(SystemExit, match="already holds a run.*--overwrite"):
        main(args)
    with pytest.raises(SystemExit, match="other settings \\(epochs\\)"):
        main(ARGS + ["--out", str(out), "--resume"])
    assert (out / "model.safetensors").read_bytes() == before
    assert main(args + ["--overwrite", "--seed", "1"]) == 0
    assert (out / "model.safetensors").read_bytes() != before


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_out_fails_before_training(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(SystemExit, match="not a writable folder"):
            main(ARGS + ["--out", str(ro / "run")])
    finally:
        ro.chmod(0o700)
    assert "training" not in capsys.readouterr().out


def test_out_that_is_a_file_fails_before_training(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(SystemExit, match="not a writable folder"):
        main(ARGS + ["--out", str(f / "run")])
    assert "training" not in capsys.readouterr().out


@pytest.mark.parametrize("args,message", [
    (["--epochs", "0"], "argument --epochs: 0 is not a positive integer"),
    (["--batch-size", "0"], "argument --batch-size: 0 is not a positive integer"),
    (["--lr", "-1"], "argument --lr: -1 is not a positive finite number"),
    (["--lr", "inf"], "argument --lr: inf is not a positive finite number"),
    (["--lr", "nan"], "argument --lr: nan is not a positive finite number"),
    (["--val-fraction", "1"], "argument --val-fraction: 1 is not in \\[0, 1\\)"),
    (["--hidden", "0"], "argument --hidden: '0': hidden sizes must be positive"),
    (["--dropout", "1.5"], "argument --dropout"),
])
def test_bad_arguments_are_refused_before_anything_is_written(tmp_path, capsys, args, message):
    out = tmp_path / "r"
    with pytest.raises(SystemExit) as e:
        main(["train", "--out", str(out)] + args)
    assert e.value.code == 2
    import re
    assert re.search(message, capsys.readouterr().err)
    assert not out.exists()


def test_demo_hidden_zero_and_help_text(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--hidden", "0"])
    assert "--hidden: 0 is not a positive integer" in capsys.readouterr().err
    r = subprocess.run([sys.executable, "-m", "ember", "train", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "97% test" in r.stdout and "%%" not in r.stdout


def test_validation_comes_from_training_data_and_metrics_are_json(tmp_path):
    out = tmp_path / "r"
    assert main(ARGS[:-3] + ["--epochs", "2", "--patience", "1", "--no-progress", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())     # strict JSON: no bare NaN
    hist = json.loads((out / "history.json").read_text())
    assert metrics["val_loss"] == hist["val_loss"][-1] != metrics["test_loss"]
    with pytest.raises(SystemExit, match="--patience needs validation data"):
        main(ARGS + ["--patience", "1", "--val-fraction", "0", "--out", str(tmp_path / "p")])


def test_callbacks_needing_validation_fail_at_fit_start(tmp_path):
    from ember.data import DataLoader, TensorDataset
    model = ember.models.mlp(2, (4,), 2)
    loader = DataLoader(TensorDataset(ember.randn(8, 2), ember.tensor([0, 1] * 4)), batch_size=4)
    for cb in (ember.train.EarlyStopping("val_loss"), ember.train.ModelCheckpoint(tmp_path / "m.safetensors")):
        trainer = ember.train.Trainer(model, ember.optim.SGD(model.parameters(), lr=0.1), callbacks=[cb],
                                      progress=False)
        with pytest.raises(ValueError, match="monitors 'val_loss', which needs validation data"):
            trainer.fit(loader, epochs=2)
        assert len(trainer.history) == 0
    hist = ember.train.Trainer(model, ember.optim.SGD(model.parameters(), lr=0.1), progress=False,
                               callbacks=[ember.train.EarlyStopping("loss", patience=0)]).fit(loader, epochs=3)
    assert 1 <= len(hist) <= 3


def test_model_checkpoint_can_hold_the_optimizer_state(tmp_path):
    from ember.data import DataLoader, TensorDataset
    model = ember.models.mlp(2, (4,), 2)
    opt = ember.optim.Adam(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(ember.randn(8, 2), ember.tensor([0, 1] * 4)), batch_size=4)
    path = tmp_path / "full.safetensors"
    trainer = ember.train.Trainer(model, opt, progress=False, callbacks=[
        ember.train.ModelCheckpoint(path, monitor="loss", save_best_only=False, save_weights_only=False)])
    trainer.fit(loader, epochs=2)
    model2 = ember.models.mlp(2, (4,), 2)
    opt2 = ember.optim.Adam(model2.parameters(), lr=0.1)
    t2 = ember.train.Trainer(model2, opt2, progress=False, callbacks=[ember.train.Callback()])
    ember.train.resume(t2, path)
    assert len(t2.history) == 2
    for (k, a), b in zip(opt.state_dict()["state"].items(), opt2.state_dict()["state"].values()):
        assert np.array_equal(a["exp_avg"].numpy(), b["exp_avg"].numpy()), k
