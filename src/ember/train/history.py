"""Training history: per-epoch metrics, JSON export and a learning-curve figure."""
import json
import math


class History:
    """A dict of per-epoch lists (``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``,
    ``lr``, ``grad_norm``, ``time``...), indexable like ``history["val_loss"]``."""

    def __init__(self):
        self.records = {}

    def append(self, logs):
        n = len(self)
        for k in set(self.records) | set(logs):
            col = self.records.setdefault(k, [None] * n)
            col.append(logs.get(k))

    def __len__(self):
        return max((len(v) for v in self.records.values()), default=0)

    def __getitem__(self, key):
        return self.records[key]

    def __contains__(self, key):
        return key in self.records

    def keys(self):
        return self.records.keys()

    def last(self, key, default=None):
        col = self.records.get(key)
        return col[-1] if col else default

    def to_dict(self):
        def clean(v):
            return None if isinstance(v, float) and not math.isfinite(v) else v
        return {k: [clean(v) for v in col] for k, col in self.records.items()}

    def save_json(self, path):
        with open(path, "w") as f:
            json.dump(self.to_dict(), f, indent=2)

    def plot(self, path=None, title=None):
        """Loss, accuracy and learning rate per epoch; saved as PNG if ``path`` is given."""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        epochs = self.records.get("epoch") or list(range(1, len(self) + 1))
        panels = [("loss", ["loss", "val_loss"]), ("accuracy", ["accuracy", "val_accuracy"]),
                  ("learning rate / grad norm", ["lr", "grad_norm"])]
        panels = [(t, [k for k in keys if k in self.records and any(v is not None for v in self.records[k])])
                  for t, keys in panels]
        panels = [p for p in panels if p[1]]
        fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4), squeeze=False)
        for ax, (name, keys) in zip(axes[0], panels):
            for k in keys:
                vals = [float("nan") if v is None else v for v in self.records[k]]
                ax.plot(epochs[:len(vals)], vals, marker="o", ms=3, label=k)
            ax.set_xlabel("epoch")
            ax.set_title(name)
            if name.startswith("learning"):
                ax.set_yscale("log")
            ax.grid(alpha=0.3)
            ax.legend()
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        if path:
            fig.savefig(path, dpi=110)
            plt.close(fig)
        return fig
