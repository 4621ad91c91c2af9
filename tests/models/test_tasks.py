"""The zoo's non-classification tasks: the generated segmentation data, Dice/IoU against
scikit-learn's F1/Jaccard, the U-Net learning it, and both CLI runs (DCGAN sample grids per
epoch, U-Net masks)."""
import json

import numpy as np
from sklearn.metrics import f1_score, jaccard_score

from ember.cli import main
from ember.models import tasks


def test_make_shapes_masks_match_the_drawn_shapes():
    X, M = tasks.make_shapes(64, size=24, noise=0.2, seed=3)
    assert X.shape == (64, 1, 24, 24) and M.shape == (64, 24, 24) and M.dtype == np.int64
    assert set(np.unique(M)) == {0, 1, 2, 3}
    # shapes are drawn at brightness >= 0.7 over a background of mean ~0 (+- 0.15 gradient)
    assert X[:, 0][M > 0].min() >= 0.7 and abs(X[:, 0][M == 0].mean()) < 0.05
    X2, M2 = tasks.make_shapes(64, size=24, noise=0.2, seed=3)
    assert np.array_equal(X, X2) and np.array_equal(M, M2)


def test_dice_and_iou_equal_sklearn_f1_and_jaccard():
    rng = np.random.default_rng(0)
    target = rng.integers(0, 4, (5, 9, 9))
    pred = np.where(rng.random(target.shape) < 0.7, target, rng.integers(0, 4, target.shape))
    dice, iou = tasks.dice_iou(pred, target, 4)
    labels = [1, 2, 3]
    np.testing.assert_allclose(dice, f1_score(target.ravel(), pred.ravel(), labels=labels, average=None))
    np.testing.assert_allclose(iou, jaccard_score(target.ravel(), pred.ravel(), labels=labels, average=None))
    assert np.isnan(tasks.dice_iou(np.zeros((2, 2)), np.zeros((2, 2)), 2)[0][0])


def test_unet_learns_the_shapes():
    _, hist, _ = tasks.train_unet(epochs=4, n_train=160, size=16, batch_size=16, lr=1e-2)
    assert hist["loss"][-1] < hist["loss"][0]
    assert hist["foreground_dice"][-1] > 0.8    # measured 0.906 (shape vs background)
    assert hist["mean_dice"][-1] > 0.25         # measured 0.323 (which shape: 4 epochs are few)


def test_cli_dcgan_and_unet(tmp_path):
    assert main(["train", "--model", "dcgan", "--epochs", "1", "--batch-size", "256", "--no-progress",
                 "--out", str(tmp_path / "gan")]) == 0
    assert (tmp_path / "gan" / "samples" / "epoch_001.png").stat().st_size > 1000
    m = json.loads((tmp_path / "gan" / "metrics.json").read_text())
    assert np.isfinite([m["loss_d"], m["loss_g"]]).all() and 0 <= m["d_fake"] <= 1
    assert m["classifier_test_accuracy"] > 0.9     # the classifier that reads the samples
    assert main(["train", "--model", "unet", "--epochs", "1", "--batch-size", "128", "--no-progress",
                 "--out", str(tmp_path / "unet")]) == 0
    assert (tmp_path / "unet" / "masks.png").stat().st_size > 1000
    m = json.loads((tmp_path / "unet" / "metrics.json").read_text())
    assert set(m["dice"]) == {"circle", "square", "triangle"} and 0 <= m["mean_iou"] <= m["mean_dice"] <= 1
