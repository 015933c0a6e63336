"""Reads: routing suggestions, overrule rates, repeats of an item and hot clusters. Every list of
items starts from the user's scope (ledger.selectors.item_list)."""

import datetime as dt
import os
import threading
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from insight.clustering import cluster_texts, labels_for
from insight.errors import InsightError
from insight.models import RoutingModel, Suggestion, Target
from insight.router import Router
from insight.similarity import cosine_to_first
from insight.text import normalise
from ledger.machine import OPEN_STATUSES
from ledger.models import Category, Item
from ledger.selectors import item_list
from org.models import Department

_cache: dict[str, tuple[tuple, Router]] = {}
_lock = threading.Lock()


def item_text(title: str, description: str) -> str:
    return normalise(f"{title or ''}。{(description or '')[:1000]}")


def active_model(target: str) -> RoutingModel | None:
    return RoutingModel.objects.filter(target=target, active=True).first()


def router_for(model: RoutingModel) -> Router | None:
    """The model's file, loaded once per process and again when the file changes."""
    try:
        key = (model.pk, model.path, os.path.getmtime(model.path))
    except OSError:
        return None
    with _lock:
        cached = _cache.get(model.target)
        if cached and cached[0] == key:
            return cached[1]
        try:
            router = Router.load(model.path)
        except InsightError:
            return None
        _cache[model.target] = (key, router)
        return router


def _name(target: str, value: str) -> str:
    obj_model = Category if target == Target.CATEGORY else Department
    obj = obj_model.objects.filter(pk=value).first()
    return str(obj) if obj else value


def suggest(*, title: str, description: str, target: str) -> dict | None:
    """The model's suggestion for a new item, or None when there is no model or the confidence is
    below INSIGHT_SUGGEST_MIN_CONFIDENCE (then it suggests nothing)."""
    model = active_model(target)
    if model is None or not (title or description):
        return None
    router = router_for(model)
    if router is None:
        return None
    prediction = router.predict([item_text(title, description)])[0]
    if prediction.confidence < settings.INSIGHT_SUGGEST_MIN_CONFIDENCE:
        return None
    return {
        "target": target,
        "target_label": Target(target).label,
        "value": prediction.label,
        "name": _name(target, prediction.label),
        "confidence": prediction.confidence,
        "model": model,
    }


def item_suggestions(*, item: Item) -> list[dict]:
    """The recorded suggestions of an item, with names and whether the dispatcher followed them."""
    rows = []
    for s in Suggestion.objects.filter(item=item).select_related("model").order_by("target"):
        rows.append(
            {
                "target": s.target,
                "target_label": Target(s.target).label,
                "value": s.value,
                "name": _name(s.target, s.value),
                "confidence": s.confidence,
                "model": s.model,
                "overruled": s.overruled,
                "chosen_name": _name(s.target, s.chosen) if s.chosen else "",
            }
        )
    return rows


def overrule_rates() -> list[dict]:
    """Per target: suggestions settled by a dispatch, how many were overruled, and the rate."""
    rows = []
    for target in Target:
        counts = Suggestion.objects.filter(target=target, overruled__isnull=False).aggregate(
            settled=Count("pk"), overruled=Count("pk", filter=Q(overruled=True))
        )
        settled, overruled = counts["settled"], counts["overruled"]
        rows.append(
            {
                "target": target.value,
                "label": target.label,
                "settled": settled,
                "overruled": overruled,
                "rate": (overruled / settled) if settled else None,
            }
        )
    return rows


def model_versions() -> list[RoutingModel]:
    return list(RoutingModel.objects.all())


# ---------------------------------------------------------------------------------------------
# Repeats (重复件)


def _same_party_q(item: Item) -> Q:
    """Same submitter (account, phone or ID number), same enterprise, or same place."""
    q = Q(pk__in=[])
    if item.submitter_user_id:
        q |= Q(submitter_user_id=item.submitter_user_id)
    if item.submitter_phone:
        q |= Q(submitter_phone=item.submitter_phone)
    if item.submitter_id_number:
        q |= Q(submitter_id_number=item.submitter_id_number)
    if item.enterprise_credit_code:
        q |= Q(enterprise_credit_code=item.enterprise_credit_code)
    elif item.enterprise_name:
        q |= Q(enterprise_name=item.enterprise_name)
    if item.address:
        q |= Q(division_id=item.division_id, address=item.address)
    q |= Q(division_id=item.division_id)  # the same village or community: the place
    return q


def repeats_for(*, item: Item, user, limit: int = 5) -> list[dict]:
    """Open items the user may see that are probably the same matter: same submitter, enterprise
    or place, opened within INSIGHT_REPEAT_WINDOW_DAYS, text similarity ≥ INSIGHT_REPEAT_MIN_SIMILARITY."""
    window = dt.timedelta(days=settings.INSIGHT_REPEAT_WINDOW_DAYS)
    candidates = list(
        item_list(user=user)
        .filter(_same_party_q(item), status__in=OPEN_STATUSES)
        .filter(opened_at__gte=item.opened_at - window, opened_at__lte=item.opened_at + window)
        .exclude(pk=item.pk)
        .order_by("-opened_at")[:200]
    )
    if not candidates:
        return []
    texts = [item_text(item.title, item.description)] + [item_text(c.title, c.description) for c in candidates]
    scores = cosine_to_first(texts)
    found = []
    for other, score in zip(candidates, scores, strict=True):
        if score < settings.INSIGHT_REPEAT_MIN_SIMILARITY:
            continue
        reasons = []
        if item.submitter_phone and other.submitter_phone == item.submitter_phone:
            reasons.append("submitter")
        elif item.submitter_user_id and other.submitter_user_id == item.submitter_user_id:
            reasons.append("submitter")
        if item.enterprise_name and other.enterprise_name == item.enterprise_name:
            reasons.append("enterprise")
        if other.division_id == item.division_id:
            reasons.append("place")
        found.append({"item": other, "similarity": float(score), "reasons": reasons})
    found.sort(key=lambda r: -r["similarity"])
    return found[:limit]


# ---------------------------------------------------------------------------------------------
# Hot issues (热点问题)


@dataclass
class Cluster:
    key: str
    label: str  # one line: the cluster's most central title
    place: str
    items: list = field(default_factory=list)
    volume: int = 0
    growth: float = 0.0
    support: int = 0
    score: float = 0.0
    keywords: list = field(default_factory=list)  # c-TF-IDF words of its titles, best first
    categories: list = field(default_factory=list)  # its items' categories, most frequent first


def _place(path: str) -> str:
    """The county (the city's first level down) an item lies in: the grouping key for place."""
    codes = [c for c in path.strip("/").split("/") if c]
    return "/".join(codes[:2])


def _common_place(paths: list[str]) -> str:
    """The most specific division all the items lie in, below the city (county, township …)."""
    parts = [p.strip("/").split("/") for p in paths]
    common = []
    for level in zip(*parts, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return "/".join(common[:3])


def hot_clusters(*, user, now: dt.datetime | None = None, top: int = 10) -> list[Cluster]:
    """The top clusters of recent items (the last INSIGHT_HOT_WINDOW_DAYS) in the user's scope.
    Items are grouped by place (county) first, then by topic within a place (insight.clustering:
    text only, so a place name in the text does not decide the topic); clusters of two or more
    are ranked by volume + distinct submitters (public support) + 2 × growth (second half of the
    window on the first) and labelled (most central title, c-TF-IDF keywords)."""
    from org.models import Division

    now = now or timezone.now()
    window = dt.timedelta(days=settings.INSIGHT_HOT_WINDOW_DAYS)
    recent = list(
        item_list(user=user).filter(opened_at__gte=now - window, opened_at__lte=now).select_related("category__parent")
    )
    if len(recent) < 2:
        return []
    by_place: dict[str, list] = {}
    for it in recent:
        by_place.setdefault(_place(it.division_path), []).append(it)
    half = now - window / 2
    clusters = []
    for place, items_here in by_place.items():
        if len(items_here) < 2:
            continue
        topics = cluster_texts(
            [item_text(i.title, i.description) for i in items_here],
            titles=[normalise(i.title) for i in items_here],
        )
        groups: dict[int, list] = {}
        for it, topic in zip(items_here, topics, strict=True):
            groups.setdefault(int(topic), []).append(it)
        for topic, items in groups.items():
            if len(items) < 2:
                continue
            late = sum(1 for i in items if i.opened_at >= half)
            early = len(items) - late
            growth = (late - early) / max(early, 1)
            support = len({i.submitter_phone or i.submitter_name or i.enterprise_name or f"#{i.pk}" for i in items})
            clusters.append(
                Cluster(
                    key=f"{place}:{topic}",
                    label="",
                    place=_common_place([i.division_path for i in items]),
                    items=sorted(items, key=lambda i: i.opened_at, reverse=True),
                    volume=len(items),
                    growth=growth,
                    support=support,
                    score=len(items) + support + 2 * max(growth, 0.0),
                    categories=[
                        name for name, _n in Counter(str(i.category) for i in items if i.category).most_common()
                    ],
                )
            )
    clusters.sort(key=lambda c: -c.score)
    clusters = clusters[:top]
    if clusters:
        labels = labels_for([[i.title for i in c.items] for c in clusters])
        codes = {code for c in clusters for code in c.place.split("/")[1:]}
        names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
        for c, label in zip(clusters, labels, strict=True):
            c.label, c.keywords = label.title, label.keywords
            c.place = " · ".join(names.get(code, code) for code in c.place.split("/")[1:])
    return clusters
