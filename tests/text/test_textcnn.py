"""Text CNN and the trigram task: max-over-time pooling makes the logits independent of
where an n-gram sits; the task's classes share one bag of words; errors."""
import numpy as np
import pytest

import ember
from ember.text import TextCNN, ngram_task


def test_max_over_time_pooling_ignores_where_the_ngram_is():
    ember.manual_seed(0)
    model = TextCNN(10, 3, emb_dim=4, widths=(2, 3), filters=5, dropout=0.0, padding_idx=0).eval()
    a = np.zeros((1, 12), np.int64)
    b = a.copy()
    c = a.copy()
    a[0, 2:5] = [3, 1, 4]
    b[0, 7:10] = [3, 1, 4]
    c[0, 2:5] = [1, 3, 4]
    with ember.no_grad():
        la, lb = model(ember.tensor(a)).numpy(), model(ember.tensor(b)).numpy()
        lc = model(ember.tensor(c)).numpy()
    np.testing.assert_allclose(la, lb, atol=1e-6)       # moved trigram: same logits
    assert not np.allclose(la, lc, atol=1e-4)             # reordered trigram: different logits


def test_ngram_task_classes_share_one_bag_of_words():
    X, y = ngram_task(600, seed=0)
    assert set(np.unique(y)) == {0, 1, 2}
    for tok in (1, 2, 3, 4):            # the trigrams' tokens occur equally often in every class
        counts = [float((X[y == c] == tok).sum(1).mean()) for c in range(3)]
        assert max(counts) - min(counts) < 1e-9, (tok, counts)
    has = lambda row, g: any(list(row[i:i + 3]) == g for i in range(len(row) - 2))
    assert all(has(r, [3, 1, 4]) == (c == 1) and has(r, [2, 7, 1]) == (c == 2) for r, c in zip(X, y))


def test_textcnn_errors():
    with pytest.raises(ValueError, match=r"widths=\(\)"):
        TextCNN(10, 2, widths=())
    with pytest.raises(ValueError, match="length 3 are shorter than the widest filter \\(4\\)"):
        TextCNN(10, 2)(ember.zeros(2, 3, dtype=ember.int64))
    with pytest.raises(ValueError, match="length=4 must be at least 6"):
        ngram_task(3, length=4)
