"""Pages: the overview of routing models (versions, figures, overrule rate), the hot issues page
for leaders, and the panels insight adds to the ledger's pages (suggestions, repeats)."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from insight import selectors, services
from insight.errors import InsightError
from insight.models import Target
from ledger.scope import merge_offer
from ledger.selectors import item_list
from org.actor import actor_of
from org.models import Role

logger = logging.getLogger(__name__)

OVERVIEW_ROLES = {Role.ADMIN, Role.LEADER, Role.AUDITOR}
HOT_ROLES = {Role.ADMIN, Role.LEADER, Role.AUDITOR, Role.CALL_TAKER}
SUGGEST_ROLES = {Role.ADMIN, Role.CALL_TAKER, Role.LEADER, Role.HANDLER}


def _role(request, roles) -> None:
    """Refuse a user whose role (a superuser acts as an administrator) is not one of ``roles``."""
    if actor_of(request.user).role not in roles:
        raise PermissionDenied(_("您的角色不能查看此页。"))


@login_required
def overview(request):
    _role(request, OVERVIEW_ROLES)
    context = {
        "models": selectors.model_versions(),
        "rates": selectors.overrule_rates(),
        "may_manage": actor_of(request.user).role == Role.ADMIN,
        "current": "insight",
    }
    return render(request, "insight/overview.html", context)


@login_required
@require_POST
def model_activate(request, target: str, version: int):
    _role(request, {Role.ADMIN})
    try:
        services.routing_activate(target=Target(target), version=version, actor=request.user)
    except (InsightError, ValueError) as e:
        messages.error(request, getattr(e, "zh", str(e)))
    else:
        messages.success(request, _("已启用该版本。"))
    return redirect("insight:overview")


@login_required
@require_POST
def model_rollback(request, target: str):
    _role(request, {Role.ADMIN})
    try:
        chosen = services.routing_rollback(target=Target(target), actor=request.user)
    except (InsightError, ValueError) as e:
        messages.error(request, getattr(e, "zh", str(e)))
    else:
        messages.success(request, _("已回滚至 v%(version)s。") % {"version": chosen.version})
    return redirect("insight:overview")


@login_required
def hot(request):
    _role(request, HOT_ROLES)
    clusters = selectors.hot_clusters(user=request.user)
    context = {
        "clusters": clusters,
        "may_convert": actor_of(request.user).role == Role.LEADER,
        "current": "insight-hot",
    }
    return render(request, "insight/hot.html", context)


@login_required
@require_POST
def hot_convert(request):
    """A leader turns a cluster into one supervised item."""
    _role(request, {Role.LEADER})
    ids = [int(x) for x in request.POST.getlist("items") if x.isdigit()]
    items = list(item_list(user=request.user).filter(pk__in=ids))
    try:
        item = services.hot_issue_create(
            actor=request.user,
            items=items,
            label=request.POST.get("label", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as e:
        for error in e.messages:
            messages.error(request, error)
        return redirect("insight:hot")
    messages.success(request, _("已转为督办事项 %(number)s。") % {"number": item.number})
    return redirect("ledger:item", pk=item.pk)


@login_required
def suggest(request):
    """The intake page's suggestion fragment (HTMX), from the title and text typed so far."""
    _role(request, SUGGEST_ROLES)
    title, description = request.GET.get("title", ""), request.GET.get("description", "")
    rows = [
        s
        for target in Target
        if (s := selectors.suggest(title=title, description=description, target=target)) is not None
    ]
    return render(request, "insight/_suggestion.html", {"suggestions": rows, "live": True})


def item_context(user, item) -> dict:
    """The item page's insight panel (slot ``ledger.item_detail``): the recorded suggestions and the
    probable repeats. Never lets a failure here break the ledger's page."""
    try:
        # A merged item's repeats are the survivor's business now (its page shows them).
        repeats = [] if item.merged_into_id else selectors.repeats_for(item=item, user=user)
        for r in repeats:  # the merge button (ledger's merge action), where this user may merge
            r["merge"] = merge_offer(user, item, r["item"])
        return {
            "insight_suggestions": selectors.item_suggestions(item=item),
            "insight_repeats": repeats,
        }
    except Exception:  # the ledger page must render whatever happens here
        logger.exception("insight context for item %s", item.pk)
        return {}
