"""Fast-mode runs of the vision lab claims (data augmentation, LeNet-5 vs MLP): each gives the
verdict its evidence supports, with sanity checks on the key numbers."""
import numpy as np

from ember.lab.core import get
from ember.lab.claims.vision import shift_images


def run(claim_id):
    res = get(claim_id)(seed=0, fast=True)
    assert res.criterion and res.numbers
    assert res.figures, f"{claim_id}: no figure"
    return res


def test_shift_images():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    s = shift_images(x, 1, -1)
    assert s[0, 0, 0].tolist() == [0, 0, 0, 0]                 # row shifted in from above is 0
    assert s[0, 0, 1].tolist() == [1, 2, 3, 0]                 # shifted one column left
    assert np.array_equal(shift_images(x, 0, 0), x)


def test_augmentation():
    r = run("augmentation")
    n = r.numbers
    assert r.verdict == "holds", r.notes
    assert n["train_acc_raw_mean"] == 1.0                      # the raw net memorises its 150 images
    assert n["gain_crop_mean"] > n["noise_threshold"] > 0
    assert n["test_acc_crop_mean"] > 0.9
    assert set(r.figures) == {"augmentation_curves", "augmented_samples"}


def test_cnn_vs_mlp():
    r = run("cnn-vs-mlp")
    n = r.numbers
    # on 8x8 digits the claim does not hold: the evidence is a (slightly) better MLP on clean
    # images and a CNN that loses most of its accuracy under shifts as well
    assert r.verdict == "fails", r.notes
    assert n["params_mlp"] <= n["params_cnn"] == 42794
    assert n["cnn_clean_mean"] > 0.9 and n["mlp_clean_mean"] > 0.9
    assert n["cnn_drop1_mean"] < n["mlp_drop1_mean"]           # the CNN is somewhat more robust ...
    assert n["drop_ratio_shift1"] > 0.5                        # ... but not "much" more
    assert n["cnn_shift2_mean"] < 0.3 and n["mlp_shift2_mean"] < 0.3
