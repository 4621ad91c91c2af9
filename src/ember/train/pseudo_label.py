"""Pseudo-labelling: after ``warmup_epochs`` on the labelled data alone, each batch is
filled to a fraction ``pseudo_fraction`` (1/4 to 1/3, as the notes advise) with unlabelled
samples labelled by the model itself, only those predicted with a confidence of at least
``threshold`` (the predictions are refreshed once per epoch)."""
import numpy as np

from ..autograd.grad_mode import no_grad

__all__ = ["fit_pseudo_labels"]


def fit_pseudo_labels(model, optimizer, X, y, X_unlabelled, epochs=20, warmup_epochs=5, batch_size=64,
                      pseudo_fraction=0.25, threshold=0.9, seed=0):
    """Train a classifier ``model`` on ``(X, y)`` plus pseudo-labelled ``X_unlabelled``;
    returns a history dict: ``loss`` and ``n_confident`` (unlabelled samples above the
    threshold) per epoch, and ``pseudo_labels``, the ``(indices, labels)`` used in the last
    epoch. ``X``/``X_unlabelled`` are tensors, ``y`` an int tensor."""
    import ember
    import ember.nn.functional as F
    if not 0 < pseudo_fraction < 1:
        raise ValueError(f"fit_pseudo_labels: pseudo_fraction={pseudo_fraction!r} must be in (0, 1); "
                         f"the notes use 1/4 to 1/3 of each batch")
    if not 0 <= threshold <= 1:
        raise ValueError(f"fit_pseudo_labels: threshold={threshold!r} must be a probability in [0, 1]")
    if warmup_epochs < 0 or warmup_epochs > epochs:
        raise ValueError(f"fit_pseudo_labels: warmup_epochs={warmup_epochs!r} must be in [0, epochs={epochs}]")
    rng = np.random.default_rng(seed)
    n = len(y)
    n_pseudo = int(round(batch_size * pseudo_fraction))
    n_lab = batch_size - n_pseudo
    hist = {"loss": [], "n_confident": [], "pseudo_labels": None}
    for epoch in range(epochs):
        pseudo_idx = pseudo_y = None
        if epoch >= warmup_epochs:
            with no_grad():
                model.eval()
                p = F.softmax(model(X_unlabelled), dim=-1).array
            conf, lab = p.max(1), p.argmax(1)
            pseudo_idx = np.flatnonzero(conf >= threshold)
            pseudo_y = lab[pseudo_idx]
            hist["pseudo_labels"] = (pseudo_idx, pseudo_y)
        hist["n_confident"].append(0 if pseudo_idx is None else len(pseudo_idx))
        use_pseudo = pseudo_idx is not None and len(pseudo_idx) > 0
        step = n_lab if use_pseudo else batch_size
        order = rng.permutation(n)
        model.train()
        total = 0.0
        for i in range(0, n, step):
            idx = order[i:i + step]
            xb, yb = X[idx], y[idx]
            if use_pseudo:
                j = rng.choice(len(pseudo_idx), size=min(n_pseudo, len(pseudo_idx)), replace=False)
                xb = ember.cat([xb, X_unlabelled[pseudo_idx[j]]])
                yb = ember.cat([yb, ember.tensor(pseudo_y[j].astype(np.int64))])
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += float(loss) * len(idx)
        hist["loss"].append(total / n)
    return hist
