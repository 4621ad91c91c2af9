"""The two detectors: a fast SSD training run reaches a stated AP@0.5 on its images;
Faster R-CNN's four losses fall over a few steps and inference returns torchvision's
format; checkpoints load back and ``ember detect`` draws the boxes."""
import numpy as np
import pytest

import ember
from ember.detection.shapes import ShapesDataset, collate, save_png
from ember.detection.training import build, evaluate, fit, load, save


@pytest.fixture(scope="module")
def tiny():
    return ShapesDataset(8, image_size=32, max_objects=1, small_fraction=0.0, seed=0)


@pytest.fixture(scope="module")
def ssd(tiny):
    ember.manual_seed(0)        # the initial weights come from the default generator: fix them
    model = build("ssd-mini")
    hist = fit(model, tiny, epochs=25, batch_size=8, lr=1e-2, seed=0)
    return model, hist


def test_ssd_learns_the_tiny_set(ssd, tiny):
    model, hist = ssd
    assert hist[-1] < 0.2 * hist[0]
    r = evaluate(model, tiny)
    assert r["map_50"] >= 0.8, r                      # stated: AP@0.5 >= 0.8 after 25 steps


def test_fasterrcnn_losses_fall_and_inference_format(tiny):
    model = build("fasterrcnn-mini")
    images, targets = collate([tiny[i] for i in range(8)])
    first = {k: v.item() for k, v in model(images, targets).items()}
    assert set(first) == {"loss_objectness", "loss_rpn_box_reg", "loss_classifier", "loss_box_reg"}
    fit(model, tiny, epochs=4, batch_size=8, lr=1e-2, seed=0)
    model.train()
    after = {k: v.item() for k, v in model(images, targets).items()}
    assert after["loss_objectness"] < first["loss_objectness"]
    assert after["loss_classifier"] < first["loss_classifier"]
    model.eval()
    out = model(images)
    assert len(out) == 8 and set(out[0]) == {"boxes", "scores", "labels"}
    b = out[0]["boxes"].numpy()
    assert b.shape[1] == 4 and (b[:, 2:] >= b[:, :2]).all() and (b >= 0).all() and (b <= 32).all()
    with pytest.raises(ValueError, match="targets are needed in training mode"):
        model.train()(images)


def test_checkpoint_round_trip_and_detect_command(ssd, tiny, tmp_path, capsys):
    model, _ = ssd
    save(model, "ssd-mini", tmp_path / "run")
    again = load(tmp_path / "run" / "model.safetensors")
    images, _ = collate([tiny[0]])
    a, b = model.eval()(images)[0], again(images)[0]
    np.testing.assert_allclose(a["boxes"].numpy(), b["boxes"].numpy(), rtol=1e-5)
    save_png(str(tmp_path / "png"), tiny.images[:1], tiny.boxes[:1], tiny.labels[:1])
    from ember.cli import main
    out = tmp_path / "boxes.png"
    assert main(["detect", str(tmp_path / "png" / "image_00000.png"), "--checkpoint",
                 str(tmp_path / "run" / "model.safetensors"), "--out", str(out), "--threshold", "0.1"]) == 0
    assert out.stat().st_size > 1000
    printed = capsys.readouterr().out
    name = ["square", "circle", "triangle"][int(tiny.labels[0][0]) - 1]
    assert printed.split()[0] == name and "wrote" in printed        # the best box is right


def test_train_task_wants_the_shapes_data():
    from ember.cli import main
    with pytest.raises(SystemExit, match="trains on --data shapes"):
        main(["train", "--model", "ssd-mini", "--data", "digits"])


def test_fasterrcnn_ohem_backpropagates_the_hardest_rois(tiny):
    # with ohem=k the RoI loss is the mean over each image's k highest per-RoI losses, so it
    # cannot be below the mean over all matched RoIs (ohem larger than their number)
    images, targets = collate([tiny[i] for i in range(4)])
    model = build("fasterrcnn-mini")
    feat = model.backbone(images)[0]
    proposals, _ = model.rpn(images, feat, targets)
    losses = {}
    for k in (10**6, 4):
        model.roi_heads.ohem = k
        _, l = model.roi_heads(feat, proposals, (32, 32), model.stride, targets)
        losses[k] = l["loss_classifier"].item() + l["loss_box_reg"].item()
    assert losses[4] > losses[10**6]
