#!/usr/bin/env python3
"""Benchmark of insight (issue 5): routing quality against a plain baseline, training and
prediction speed, repeat detection, hot-issue clustering quality and speed.

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

Hot issues (real text): each message gives two texts, its title and its body; pair recall is the
share of messages whose two texts share a cluster, label precision the share of same-cluster pairs
with one first-level label. The distance threshold is chosen (best F1 of the two) on half of the
messages and the figures are on the other half, with the previous method (SVD + k-means) and the
large-set path (k-means parts) on the same texts. A check on demo-like windows (generated from
ledger/demo.py's templates, not a quality figure): the share of clusters whose items share one
category.

Speed (synthetic text, stated as such): 100,000 items made by joining fragments of the real
messages at random, about 300 characters each. Training time includes normalisation (OpenCC);
prediction latency is one item per call, as the intake page asks; clustering is the hot-issues
topic step (insight.clustering, the large-set path), timed with the previous method in the same
run. The last line is one JSON object; it records the load average (the machine may be shared).
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
from sklearn.metrics import accuracy_score, adjusted_mutual_info_score, f1_score  # noqa: E402
from sklearn.model_selection import RepeatedStratifiedKFold  # noqa: E402

from insight import clustering  # noqa: E402
from insight.router import Router, baseline_fit_predict, hashed_ngrams  # noqa: E402
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


def previous_clusters(texts: list[str], seed: int = 0) -> np.ndarray:
    """The method hot issues used before (kept here as the baseline): TF-IDF of hashed character
    bigrams of the opening 80 characters, 48-dimensional truncated SVD, mini-batch k-means with
    about one topic per 40 texts."""
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.preprocessing import normalize

    n = len(texts)
    counts = hashed_ngrams(texts, chars=80, ngrams=(2, 2), n_features=2**15)
    vectors = normalize(TfidfTransformer(sublinear_tf=True).fit_transform(counts))
    reduced = normalize(
        TruncatedSVD(n_components=max(1, min(48, n - 1)), n_iter=2, random_state=seed).fit_transform(vectors)
    )
    k = max(2, min(300, n // 40))
    return MiniBatchKMeans(n_clusters=k, random_state=seed, batch_size=4096, n_init=1, max_iter=20).fit_predict(reduced)


def _pair_scores(topics: np.ndarray, labels: np.ndarray, n: int) -> dict:
    """topics and labels of the n titles then the n bodies: how often a message's title and body
    share a cluster (recall: rephrasings kept together), how often two texts sharing a cluster
    share a first-level label (precision: different matters kept apart), purity and AMI."""
    recall = float(np.mean(topics[:n] == topics[n:]))
    pairs = same = 0.0
    purity = 0
    for c in np.unique(topics):
        members = labels[topics == c]
        k = len(members)
        counts = np.unique(members, return_counts=True)[1]
        pairs += k * (k - 1) / 2
        same += float((counts * (counts - 1) / 2).sum())
        purity += int(counts.max())
    precision = same / pairs if pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pair_recall": recall,
        "label_precision": precision,
        "f1": f1,
        "purity": purity / len(labels),
        "ami": float(adjusted_mutual_info_score(labels, topics)),
        "clusters": int(len(np.unique(topics))),
    }


def _coherence(topics: np.ndarray, titles: list[str]) -> tuple[float, float]:
    """Over clusters of two or more: the share whose label has a keyword, and the mean share of
    members whose title contains one of the label's keywords (does the label name the topic?)."""
    groups: dict[int, list[str]] = {}
    for t, title in zip(topics, titles, strict=True):
        groups.setdefault(int(t), []).append(title)
    multi = [g for g in groups.values() if len(g) >= 2]
    if not multi:
        return 0.0, 0.0
    labels = clustering.labels_for(multi)
    with_keyword = [lab for lab in labels if lab.keywords]
    covered = [
        np.mean([any(k in t for k in lab.keywords) for t in g])
        for g, lab in zip(multi, labels, strict=True)
        if lab.keywords
    ]
    return len(with_keyword) / len(multi), float(np.mean(covered)) if covered else 0.0


def cluster_quality(rows) -> dict:
    """Hot-issue clustering on the real messages. Each message gives two texts, its title and its
    body (two phrasings of one matter). The threshold is chosen (best F1 of pair recall and label
    precision) on half of the messages; the figures are on the other half, with the previous
    method (k-means) on the same texts."""
    rng = random.Random(0)
    order = list(range(len(rows)))
    rng.shuffle(order)
    halves = {"tune": [rows[i] for i in order[: len(rows) // 2]], "held": [rows[i] for i in order[len(rows) // 2 :]]}

    def texts(part):
        titles = [normalise(r["title"]) for r in part]
        return titles + [normalise(r["body"]) for r in part], np.array([r["label"] for r in part] * 2), titles

    tune_texts, tune_labels, _ = texts(halves["tune"])
    grid = [round(t, 2) for t in np.arange(0.70, 0.981, 0.02)]
    tuned = {
        t: _pair_scores(clustering.cluster_texts(tune_texts, threshold=t), tune_labels, len(halves["tune"]))
        for t in grid
    }
    best = max(grid, key=lambda t: tuned[t]["f1"])
    held_texts, held_labels, held_titles = texts(halves["held"])
    n = len(halves["held"])
    topics = clustering.cluster_texts(held_texts, threshold=best)
    ours = _pair_scores(topics, held_labels, n)
    previous = _pair_scores(previous_clusters(held_texts), held_labels, n)
    # the path for large sets (k-means parts, then the same linkage), forced on the same texts
    saved = clustering.EXACT_MAX, clustering.PART_SIZE
    clustering.EXACT_MAX, clustering.PART_SIZE = 100, 250
    try:
        large = _pair_scores(clustering.cluster_texts(held_texts, threshold=best), held_labels, n)
    finally:
        clustering.EXACT_MAX, clustering.PART_SIZE = saved
    has_keyword, coverage = _coherence(topics, held_texts)
    out = {"cluster_threshold": best, "cluster_threshold_in_use": clustering.THRESHOLD, "cluster_texts": 2 * n}
    for key in ("pair_recall", "label_precision", "f1", "purity", "ami", "clusters"):
        out[f"cluster_{key}"] = round(ours[key], 4)
        out[f"cluster_previous_{key}"] = round(previous[key], 4)
        out[f"cluster_large_path_{key}"] = round(large[key], 4)
    out["cluster_label_has_keyword"] = round(has_keyword, 4)
    out["cluster_label_coverage"] = round(coverage, 4)
    return out


def demo_windows(windows: int = 30, size: int = 60) -> list[tuple[list[str], list[str], list[str]]]:
    """Items like the demo ledger's (ledger/demo.py: its templates, streets, villages) as a county
    leader sees them in one 30-day window: ``size`` items of one county. Generated text: this
    checks that the demo's clusters hold one matter each, it is not a quality figure."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grassroots.test_settings")
    import django

    django.setup()
    from ledger.demo import ROADS, TEMPLATES

    with open(ROOT / "org" / "data" / "quanzhou_villages_communities_2023.csv", encoding="utf-8") as f:
        villages = list(csv.DictReader(f))
    rng = random.Random(0)
    out = []
    for _ in range(windows):
        county = rng.choice([c for c in ROADS if c])
        places = [v["name"].removesuffix("居委会").removesuffix("委会") for v in villages if v["county_code"] == county]
        texts, titles, categories = [], [], []
        for _ in range(size):
            t = rng.choice(TEMPLATES)
            road, road2 = rng.sample(ROADS[county], 2)
            words = dict(
                company=f"泉州{rng.choice('华泰恒信宏达')}{rng.choice(['纺织', '机械', '鞋业', '食品'])}有限公司",
                road=road,
                road2=road2,
                place=rng.choice(places),
                town="",
                n=rng.randint(1, 388),
                amount=rng.choice([50, 100, 300, 800]),
                mu=rng.choice([20, 45, 80]),
                workers=rng.choice([20, 50, 120]),
                yuan=rng.choice([50, 1280, 3600]),
                cm=rng.choice([20, 40]),
            )
            title = t.title.format(**words)
            titles.append(normalise(title))
            texts.append(normalise(f"{title}。{t.description.format(**words)}"))
            categories.append(t.category)
        out.append((texts, titles, categories))
    return out


def _one_category_share(topics, categories) -> tuple[float, int]:
    groups: dict[int, set] = {}
    sizes: dict[int, int] = {}
    for t, c in zip(topics, categories, strict=True):
        groups.setdefault(int(t), set()).add(c)
        sizes[int(t)] = sizes.get(int(t), 0) + 1
    multi = [t for t in groups if sizes[t] >= 2]
    return (sum(1 for t in multi if len(groups[t]) == 1) / len(multi) if multi else 1.0), len(multi)


def demo_quality(threshold: float) -> dict:
    """On demo-like windows: the share of clusters (of two or more items) whose items share one
    category, ours against the previous method, and how many items end up in such clusters."""
    ours, previous, multi, clustered = [], [], [], []
    for texts, titles, categories in demo_windows():
        topics = clustering.cluster_texts(texts, titles=titles, threshold=threshold)
        share, count = _one_category_share(topics, categories)
        ours.append(share)
        multi.append(count)
        sizes = np.bincount(topics)
        clustered.append(float(np.mean(sizes[topics] >= 2)))
        previous.append(_one_category_share(previous_clusters(texts), categories)[0])
    return {
        "demo_cluster_one_category_share": round(statistics.mean(ours), 4),
        "demo_cluster_one_category_share_previous": round(statistics.mean(previous), 4),
        "demo_clusters_per_window": round(statistics.mean(multi), 2),
        "demo_items_in_clusters_share": round(statistics.mean(clustered), 4),
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
    started = time.perf_counter()
    previous_clusters(texts)
    previous_s = time.perf_counter() - started
    return {
        "speed_items": n,
        "train_s": round(train_s, 2),
        "predict_ms_per_item_median": round(statistics.median(latencies), 3),
        "predict_ms_per_item_p95": round(sorted(latencies)[int(0.95 * len(latencies))], 3),
        "cluster_s": round(cluster_s, 2),
        "cluster_100k_s": round(cluster_s, 2) if n >= 100_000 else None,
        "cluster_previous_s": round(previous_s, 2),
        "clusters": int(len(set(topics))),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rows = load()
    figures = {"corpus": "泰迪杯2020 C题 附件2 (subset, see insight/data/README.md)", "cpus": os.cpu_count()}
    figures["load_1m_start"] = round(os.getloadavg()[0], 2)  # the machine may be shared: say how busy
    figures |= quality(rows, repeats=1 if args.quick else 3)
    figures |= repeats(rows)
    figures |= cluster_quality(rows)
    figures |= demo_quality(clustering.THRESHOLD)
    figures |= speed(rows, 5000 if args.quick else 100_000)
    figures["load_1m_end"] = round(os.getloadavg()[0], 2)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    figures["targets"] = {
        "macro_f1_gain_points_min": 2,
        "predict_ms_per_item_max": 5,
        "train_s_max_100k": 60,
        "cluster_s_max_100k": 10,
    }
    figures["targets_met"] = {
        "title_body_gain": figures["routing_title_body_gain_points"] >= 2,
        "title_gain": figures["routing_title_gain_points"] >= 2,
        "predict": figures["predict_ms_per_item_p95"] <= 5,
        "train": figures["train_s"] <= 60 if figures["speed_items"] >= 100_000 else None,
        "cluster": figures["cluster_s"] <= 10 if figures["speed_items"] >= 100_000 else None,
    }
    for key, value in figures.items():
        if not isinstance(value, dict):
            print(f"{key:45s} {value}")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
