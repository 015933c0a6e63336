"""Hot-issue clustering (insight.clustering): different matters apart, rephrasings together, a label
that names the topic, and the path for large sets."""

import csv
from pathlib import Path

import numpy as np

from insight import clustering
from insight.text import normalise

CORPUS = Path(__file__).resolve().parent.parent / "data" / "teddy2020_messages.csv"

# Four matters, each said three ways (as different callers would), with the hotline's boilerplate.
MATTERS = {
    "路灯": [
        "市民来电反映金山路路灯不亮，晚上很黑",
        "金山路好几盏路灯都不亮了，夜里不安全",
        "咨询：金山路的路灯什么时候修好？一直不亮",
    ],
    "电梯": [
        "小区电梯经常故障困人，物业不维修",
        "投诉我们小区电梯多次困人，请尽快检修电梯",
        "反映小区电梯又坏了，老人被困在电梯里",
    ],
    "工资": [
        "公司拖欠工资三个月不发，请帮忙讨薪",
        "反映老板拖欠我们农民工工资，讨要无果",
        "求助：工地拖欠工资，包工头跑了",
    ],
    "噪音": [
        "工地夜间施工噪音扰民，凌晨还在施工",
        "附近工地晚上施工噪音太大无法休息",
        "投诉夜间施工噪音，严重影响居民睡眠",
    ],
}


def _topics(texts, **kwargs):
    return clustering.cluster_texts([normalise(t) for t in texts], **kwargs)


def test_clearly_different_matters_are_separated_and_rephrasings_kept_together():
    texts = [t for phrasings in MATTERS.values() for t in phrasings]
    topics = _topics(texts)
    for i, phrasings in enumerate(MATTERS.values()):
        mine = set(topics[3 * i : 3 * i + 3])
        assert len(mine) == 1, (phrasings, topics)  # one matter, one cluster
    assert len(set(topics)) == len(MATTERS)  # and no two matters share one


def test_boilerplate_and_street_names_do_not_make_a_topic():
    texts = ["市民来电反映金山路路灯不亮", "市民来电反映金山路路面塌陷", "市民来电反映温陵路路灯不亮"]
    topics = _topics(texts, titles=[normalise(t) for t in texts])
    assert topics[0] == topics[2] and topics[0] != topics[1]
    assert clustering.clean(normalise("市民来电反映：金山路128号路灯不亮！")).split() == ["路灯不亮"]


def test_traditional_and_simplified_are_one_topic():
    topics = _topics(["小區電梯經常故障困人", "小区电梯经常故障困人，物业不管", "公司拖欠工资不发"])
    assert topics[0] == topics[1] != topics[2]


def test_the_label_names_the_topic():
    groups = [list(p) for p in MATTERS.values()]
    labels = clustering.labels_for([[normalise(t) for t in g] for g in groups])
    for word, label in zip(MATTERS, labels, strict=True):
        assert word in label.line and word in label.title, (word, label)
    assert labels[0].keywords[0] == "路灯"  # the word every phrasing has, and no other matter


def test_a_single_text_an_empty_text_and_no_text():
    assert list(clustering.cluster_texts([])) == []
    assert list(clustering.cluster_texts(["路灯不亮"])) == [0]
    topics = clustering.cluster_texts(["反映", "路灯不亮", "路灯不亮了"])  # nothing left of the first
    assert topics[1] == topics[2] != topics[0]


def test_the_large_path_keeps_matters_apart(monkeypatch):
    """Above EXACT_MAX, k-means parts then the same linkage: a matter said many times stays one
    cluster, and real messages of other matters do not join it."""
    with open(CORPUS, encoding="utf-8") as f:
        others = [normalise(r["title"]) for r in csv.DictReader(f)][:300]
    lamps = [normalise(f"{road}路灯不亮，晚上很黑") for road in ["金山路", "温陵路", "中山路", "新华路"] * 10]
    lifts = [normalise(f"{n}号楼电梯经常故障困人") for n in range(40)]
    monkeypatch.setattr(clustering, "EXACT_MAX", 50)
    monkeypatch.setattr(clustering, "PART_SIZE", 60)
    topics = clustering.cluster_texts(lamps + lifts + others)
    assert len(set(topics[:40])) == 1 and len(set(topics[40:80])) == 1 and topics[0] != topics[40]
    rest = topics[80:]
    assert np.sum(rest == topics[0]) + np.sum(rest == topics[40]) <= 3
