"""Writes of the insight app: train, activate and roll back routing models; record suggestions
and whether the dispatcher overruled them; turn a hot cluster into one supervised item (through
the ledger's services, like every write to an item)."""

import logging
import time
from collections import Counter

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core.history import record
from insight.errors import InsightError
from insight.models import HotIssue, RoutingModel, Suggestion, Target
from insight.router import Router
from insight.selectors import item_text, suggest
from ledger.models import Item, Kind, Status, SubmitterType
from org.actor import require_actor

logger = logging.getLogger(__name__)

TRAINED_STATUSES = (Status.RESOLVED, Status.CALLED_BACK, Status.CLOSED)


def training_data(target: str) -> tuple[list[str], list[str]]:
    """Resolved items, labelled with the category or department they ended with (after any returns)."""
    qs = Item.objects.filter(status__in=TRAINED_STATUSES)
    if target == Target.DEPARTMENT:
        qs = qs.exclude(department=None)
    field = "category_id" if target == Target.CATEGORY else "department_id"
    rows = qs.values_list("title", "description", field)
    return [item_text(t, d) for t, d, _v in rows], [str(v) for _t, _d, v in rows]


def _holdout_figures(texts: list[str], labels: list[str]) -> dict:
    """Accuracy and macro-F1 on a 20 % stratified hold-out (when every label has two items)."""
    from sklearn.model_selection import train_test_split

    counts = Counter(labels)
    keep = [i for i, lab in enumerate(labels) if counts[lab] >= 2]
    if len({labels[i] for i in keep}) < 2 or len(keep) < 10:
        return {}
    x = [texts[i] for i in keep]
    y = [labels[i] for i in keep]
    test_size = max(0.2, len(set(y)) / len(y))
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=test_size, stratify=y, random_state=0)
    return Router().fit(x_tr, y_tr).evaluate(x_te, y_te).summary()


def routing_retrain(*, target: str, actor, activate: bool = True) -> RoutingModel:
    """Train a new version from the ledger, store it with its figures, and (by default) use it."""
    require_actor(actor)
    texts, labels = training_data(target)
    if len(texts) < settings.INSIGHT_RETRAIN_MIN_ITEMS:
        raise InsightError(
            f"已办结事项只有 {len(texts)} 件，少于 {settings.INSIGHT_RETRAIN_MIN_ITEMS} 件，暂不训练。",
            f"Only {len(texts)} resolved items (fewer than {settings.INSIGHT_RETRAIN_MIN_ITEMS}): not trained.",
        )
    if len(set(labels)) < 2:
        raise InsightError("已办结事项只有一个类别，无法训练。", "The resolved items have only one label.")
    figures = _holdout_figures(texts, labels)
    started = time.perf_counter()
    router = Router().fit(texts, labels)
    figures["train_seconds"] = round(time.perf_counter() - started, 2)
    figures["labels"] = len(set(labels))
    with transaction.atomic():
        version = (RoutingModel.objects.filter(target=target).aggregate(v=Max("version"))["v"] or 0) + 1
        path = settings.INSIGHT_MODEL_DIR / f"{target}-v{version}.joblib"
        router.save(str(path), target=target, version=version)
        model = RoutingModel.objects.create(
            target=target, version=version, path=str(path), n_train=len(texts), metrics=figures
        )
        if activate:
            routing_activate(target=target, version=version, actor=actor, reason=_("训练新版本"))
            model.refresh_from_db()
    return model


def routing_activate(*, target: str, version: int, actor, reason: str = "", action: str = "activate") -> RoutingModel:
    """Put a version in use (the one in use before is retired), recorded in the version's history."""
    require_actor(actor)
    with transaction.atomic():
        chosen = RoutingModel.objects.select_for_update().filter(target=target, version=version).first()
        if chosen is None:
            raise InsightError(f"没有 {target} v{version} 模型。", f"There is no {target} model v{version}.")
        Router.load(chosen.path)  # the file must still load before it is put in use
        retired = RoutingModel.objects.filter(target=target, active=True).exclude(pk=chosen.pk)
        previous = retired.values_list("version", flat=True).first()
        retired.update(active=False)
        RoutingModel.objects.filter(pk=chosen.pk).update(active=True)
        changes = {"active": [chosen.active, True], "version_in_use": [previous, version]}
        record(chosen, actor=actor, action=action, reason=reason, changes=changes)
        chosen.active = True
    return chosen


def routing_rollback(*, target: str, actor, reason: str = "") -> RoutingModel:
    """Put the version before the one in use back in use."""
    require_actor(actor)
    current = RoutingModel.objects.filter(target=target, active=True).first()
    older = RoutingModel.objects.filter(target=target)
    if current is not None:
        older = older.filter(version__lt=current.version)
    previous = older.order_by("-version").first()
    if previous is None:
        raise InsightError("没有可回滚的更早版本。", "There is no earlier version to roll back to.")
    return routing_activate(target=target, version=previous.version, actor=actor, reason=reason, action="rollback")


def suggestion_record(*, item: Item) -> list[Suggestion]:
    """Keep what the models suggest for a newly opened item (nothing under the threshold)."""
    made = []
    for target in Target:
        s = suggest(title=item.title, description=item.description, target=target)
        if s is None:
            continue
        row, _created = Suggestion.objects.update_or_create(
            item=item,
            target=target,
            defaults={"value": s["value"], "confidence": s["confidence"], "model": s["model"]},
        )
        made.append(row)
    return made


def suggestion_settle(*, item: Item) -> None:
    """After a dispatch: the dispatcher's choice counts; note whether it overruled the suggestion."""
    chosen = {Target.CATEGORY: item.category_id, Target.DEPARTMENT: item.department_id}
    for s in Suggestion.objects.filter(item=item):
        value = chosen.get(s.target)
        if value is None:
            continue
        s.chosen = str(value)
        s.overruled = s.chosen != s.value
        s.save(update_fields=["chosen", "overruled"])


def hot_issue_create(*, actor, items: list[Item], label: str, reason: str) -> Item:
    """Turn a hot cluster into one supervised item (item_open, then item_supervise), linked to its
    source items."""
    from ledger import services as ledger
    from org.models import Division

    if len(items) < 2:
        raise ValidationError({"items": _("热点至少包含两件事项。")})
    label = (label or "").strip()[:150]
    if not label:
        raise ValidationError({"label": _("请填写热点名称。")})
    paths = [i.division_path.strip("/").split("/") for i in items]
    common = []
    for codes in zip(*paths, strict=False):
        if len(set(codes)) != 1:
            break
        common.append(codes[0])
    division = Division.objects.filter(code=common[-1]).first() if common else None
    if division is None:
        raise ValidationError({"items": _("这些事项没有共同的区划。")})
    category = Counter(i.category for i in items).most_common(1)[0][0]
    channel = Counter(i.channel for i in items).most_common(1)[0][0]
    lines = [f"{i.number} {i.title}" for i in items]
    description = _("热点问题，由 %(n)d 件事项聚合：") % {"n": len(items)} + "\n" + "\n".join(lines)
    with transaction.atomic():
        item = ledger.item_open(
            actor=actor,
            title=_("【热点】%(label)s") % {"label": label},
            description=description[:4000],
            kind=Kind.PROBLEM,
            channel=channel,
            category=category,
            division=division,
            submitter_type=SubmitterType.ANONYMOUS,
        )
        item = ledger.item_supervise(item=item, actor=actor, reason=reason or label)
        hot = HotIssue.objects.create(item=item, label=label, created_by=actor)
        hot.sources.set(items)
    return item
