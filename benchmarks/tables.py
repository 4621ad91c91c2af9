"""Render benchmarks/results/*.json as the markdown tables the README quotes.

    python benchmarks/tables.py
"""
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
TORCH = [("core.json", "Core autograd (issue 2)"), ("mlp.json", "MLPs (issue 3)"), ("cnn.json", "CNNs (issue 4)"),
         ("cnn_1thread.json", "CNNs, one thread each")]
SKLEARN = ["bench_ml_linear.json", "bench_ml_svm.json", "bench_ml_trees.json"]


def torch_table(path, title):
    d = json.loads(path.read_text())
    lines = [f"**{title}** ({d['meta']['threads']} threads, {d['meta']['date']})", "",
             "| benchmark | ember | torch | speed vs torch |", "|---|---:|---:|---:|"]
    for r in d["rows"]:
        unit = "MiB" if "MiB" in r["benchmark"] else "ms"
        lines.append(f"| {r['benchmark']} | {r['ember_ms']:.3g} {unit} | {r['torch_ms']:.3g} {unit} | "
                     f"{r['speed_vs_torch']:.2f}x |")
    return "\n".join(lines)


def sklearn_table():
    lines = ["**Classical ML (issue 5)**: fit time on make_classification(20000, 50), 75/25 split, 2 threads",
             "", "| estimator | ember fit | scikit-learn fit | time ratio (ember/sklearn) | ember acc. | sklearn acc. |",
             "|---|---:|---:|---:|---:|---:|"]
    for name in SKLEARN:
        path = RESULTS / name
        if not path.exists():
            continue
        d = json.loads(path.read_text())
        rows = d["rows"] if isinstance(d, dict) else d
        for r in rows:
            lines.append(f"| {r['estimator']} | {r['ember_fit_s']:.3g} s | {r['sklearn_fit_s']:.3g} s | "
                         f"{r['ratio']:.2f} | {r['ember_accuracy']:.4f} | {r['sklearn_accuracy']:.4f} |")
    return "\n".join(lines)


def main():
    parts = [torch_table(RESULTS / f, t) for f, t in TORCH if (RESULTS / f).exists()]
    parts.append(sklearn_table())
    print("\n\n".join(parts))


if __name__ == "__main__":
    main()
