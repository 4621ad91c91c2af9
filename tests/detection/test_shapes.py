"""The synthetic shapes data set: boxes tight around the drawn objects, several classes
and sizes, PNG files that read back to the same pixels."""
import json
import os

import numpy as np

from ember.detection.shapes import ShapesDataset, make_shapes, save_png, collate


def test_boxes_are_tight_and_sizes_vary():
    images, boxes, labels = make_shapes(40, image_size=64, seed=3)
    assert images.shape == (40, 64, 64, 3) and images.dtype == np.float32
    allb, alll = np.concatenate(boxes), np.concatenate(labels)
    assert set(alll.tolist()) == {1, 2, 3}
    assert (allb[:, :2] >= 0).all() and (allb[:, 2:] <= 64).all() and (allb[:, 2:] > allb[:, :2]).all()
    side = np.sqrt((allb[:, 2] - allb[:, 0]) * (allb[:, 3] - allb[:, 1]))
    assert (side < 12).sum() >= 5 and (side > 22).sum() >= 5
    # the object colour fills a square's box edge to edge (a tight box)
    i = next(i for i, l in enumerate(labels) if 1 in l.tolist())
    x1, y1, x2, y2 = boxes[i][labels[i].tolist().index(1)].astype(int)
    patch = images[i, y1:y2, x1:x2]
    assert np.abs(patch - patch.mean((0, 1))).max() < 0.15


def test_dataset_items_collate_and_png_round_trip(tmp_path):
    ds = ShapesDataset(3, image_size=48, seed=1)
    x, targets = collate([ds[i] for i in range(3)])
    assert x.shape == (3, 3, 48, 48) and targets[0]["boxes"].shape[1] == 4
    save_png(str(tmp_path), ds.images, ds.boxes, ds.labels)
    import matplotlib.image as mpimg
    ann = json.load(open(os.path.join(tmp_path, "annotations.json")))
    img = mpimg.imread(os.path.join(tmp_path, ann["images"][0]["file"]))[..., :3]
    np.testing.assert_allclose(img, ds.images[0], atol=1 / 255 + 1e-6)
    np.testing.assert_array_equal(ann["images"][2]["labels"], ds.labels[2])
