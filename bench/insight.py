#!/usr/bin/env python3
"""Benchmark of insight (issue 5): routing quality against a plain baseline, training and
prediction speed, repeat detection, and clustering speed.

    python bench/insight.py           # full sizes (about two minutes on two cores)
    python bench/insight.py --quick   # small sizes, a smoke test

Quality (real text only): the corpus is insight/data/teddy2020_messages.csv, real citizen messages
to a provincial leaders' message board with their first-level category (一级标签), from the 2020
"泰迪杯" data-mining challenge, problem C (see insight/data/README.md for the source and subset).
Routing accuracy and macro-F1 are the mean over a repeated stratified 5-fold split (3 repeats:
every message is held out three times, never seen by the model it is scored by), for title and
body together and for titles alone. The baseline, measured in the same run on the same folds, is
TF-IDF over character 1–3-grams with a linear SVM (scikit-learn defaults).

Repeats: a proxy built from the same real messages (no generated text): a message's title and its
own body are the same matter in different words (a positive pair), its title and the body of another
message of the same category are not (a hard negative). The similarity threshold is chosen (best
F1) on half of the messages and precision and recall are reported on the other half.

Speed (synthetic text, stated as such): 100,000 items made by joining fragments of the real
messages at random, about 300 characters each. Training time includes normalisation (OpenCC);
prediction latency is one item per call, as the intake page asks; clustering is the hot-issues
topic step (TF-IDF, truncated SVD, mini-batch k-means). The last line is one JSON object.
"""

import argparse
import csv
import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PY = ROOT / ".venv" / "bin" / "python"
if Path(sys.executable).resolve() != VENV_PY.resolve() and VENV_PY.exists() and not os.environ.get("BENCH_CHILD"):
    os.environ["BENCH_CHILD"] = "1"
    os.execv(str(VENV_PY), [str(VENV_PY), *sys.argv])
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.model_selection import RepeatedStratifiedKFold  # noqa: E402

from insight.router import Router, baseline_fit_predict  # noqa: E402
from insight.similarity import tfidf_vectors  # noqa: E402
from insight.text import normalise  # noqa: E402

CORPUS = ROOT / "insight" / "data" / "teddy2020_messages.csv"


def load():
    with open(CORPUS, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def quality(rows, repeats: int) -> dict:
    labels = np.array([r["label"] for r in rows])
    views = {
        "title_body": np.array([normalise(r["title"] + "。" + r["body"]) for r in rows], dtype=object),
        "title": np.array([normalise(r["title"]) for r in rows], dtype=object),
    }
    out = {}
    folds = list(RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=0).split(labels, labels))
    for name, texts in views.items():
        scores = {"ours": ([], []), "baseline": ([], [])}
        for train, test in folds:
            ours = [p.label for p in Router().fit(list(texts[train]), list(labels[train])).predict(list(texts[test]))]
            base = baseline_fit_predict(list(texts[train]), list(labels[train]), list(texts[test]))
            for key, predicted in (("ours", ours), ("baseline", base)):
                scores[key][0].append(accuracy_score(labels[test], predicted))
                scores[key][1].append(f1_score(labels[test], predicted, average="macro"))
        for key, (acc, f1) in scores.items():
            out[f"routing_{name}_{key}_accuracy"] = round(statistics.mean(acc), 4)
            out[f"routing_{name}_{key}_macro_f1"] = round(statistics.mean(f1), 4)
            out[f"routing_{name}_{key}_macro_f1_sd"] = round(statistics.stdev(f1), 4)
        out[f"routing_{name}_gain_points"] = round(
            100 * (out[f"routing_{name}_ours_macro_f1"] - out[f"routing_{name}_baseline_macro_f1"]), 2
        )
    out["routing_n"] = len(rows)
    out["routing_labels"] = len(set(labels))
    out["routing_folds"] = len(folds)
    return out


def repeats(rows) -> dict:
    rng = random.Random(0)
    titles = [normalise(r["title"]) for r in rows]
    bodies = [normalise(r["body"]) for r in rows]
    vectors_t = tfidf_vectors(titles, reference=titles + bodies)
    vectors_b = tfidf_vectors(bodies, reference=titles + bodies)
    by_label: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_label.setdefault(r["label"], []).append(i)
    pairs = []  # (message index, score, is the same matter)
    for i, r in enumerate(rows):
        pairs.append((i, float(vectors_t[i].multiply(vectors_b[i]).sum()), True))
        others = [j for j in by_label[r["label"]] if j != i]
        for j in rng.sample(others, min(3, len(others))):
            pairs.append((i, float(vectors_t[i].multiply(vectors_b[j]).sum()), False))
    order = list(range(len(rows)))
    rng.shuffle(order)
    tune = set(order[: len(order) // 2])

    def pr(subset, threshold):
        tp = sum(1 for _i, s, y in subset if y and s >= threshold)
        fp = sum(1 for _i, s, y in subset if not y and s >= threshold)
        fn = sum(1 for _i, s, y in subset if y and s < threshold)
        p = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        return p, rec, (2 * p * rec / (p + rec) if p + rec else 0.0)

    tuning = [x for x in pairs if x[0] in tune]
    held = [x for x in pairs if x[0] not in tune]
    best = max((round(t, 2) for t in np.arange(0.05, 0.9, 0.01)), key=lambda t: pr(tuning, t)[2])
    p, rec, f1 = pr(held, best)
    return {
        "repeat_threshold": best,
        "repeat_precision": round(p, 4),
        "repeat_recall": round(rec, 4),
        "repeat_f1": round(f1, 4),
        "repeat_pairs": len(held),
    }


def synthetic(rows, n: int, seed: int = 0):
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(n):
        a, b, c = rng.choice(rows), rng.choice(rows), rng.choice(rows)
        texts.append(a["title"] + "。" + a["body"] + b["body"] + c["body"])
        labels.append(a["label"])
    return texts, labels


def speed(rows, n: int) -> dict:
    from insight.clustering import cluster_texts

    raw, labels = synthetic(rows, n)
    started = time.perf_counter()
    texts = [normalise(t) for t in raw]
    router = Router().fit(texts, labels)
    train_s = time.perf_counter() - started
    samples = [normalise(t) for t in raw[:300]]
    latencies = []
    for text in samples:
        t0 = time.perf_counter()
        router.predict([normalise(text)])
        latencies.append((time.perf_counter() - t0) * 1000)
    started = time.perf_counter()
    topics = cluster_texts(texts)
    cluster_s = time.perf_counter() - started
    return {
        "speed_items": n,
        "train_s": round(train_s, 2),
        "predict_ms_per_item_median": round(statistics.median(latencies), 3),
        "predict_ms_per_item_p95": round(sorted(latencies)[int(0.95 * len(latencies))], 3),
        "cluster_s": round(cluster_s, 2),
        "clusters": int(len(set(topics))),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rows = load()
    figures = {"corpus": "泰迪杯2020 C题 附件2 (subset, see insight/data/README.md)", "cpus": os.cpu_count()}
    figures |= quality(rows, repeats=1 if args.quick else 3)
    figures |= repeats(rows)
    figures |= speed(rows, 5000 if args.quick else 100_000)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    figures["targets"] = {
        "macro_f1_gain_points_min": 2,
        "predict_ms_per_item_max": 5,
        "train_s_max_100k": 60,
    }
    figures["targets_met"] = {
        "title_body_gain": figures["routing_title_body_gain_points"] >= 2,
        "title_gain": figures["routing_title_gain_points"] >= 2,
        "predict": figures["predict_ms_per_item_p95"] <= 5,
        "train": figures["train_s"] <= 60 if figures["speed_items"] >= 100_000 else None,
    }
    for key, value in figures.items():
        if not isinstance(value, dict):
            print(f"{key:45s} {value}")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
