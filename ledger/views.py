"""The ledger's pages. Views stay thin: selectors read, forms parse, services validate and write.

An HTMX request gets only the part of the page it replaces (the item panel, the ledger's table);
without JavaScript every form still works as a plain POST followed by a redirect."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from core import exports as sheets
from core.exceptions import ActionRefused
from core.extensions import slots
from core.forms import attach_errors
from core.privacy import masked_changes
from ledger import export_jobs, exports, forms, services
from ledger.machine import DISPATCHERS, Action
from ledger.models import (
    Category,
    Channel,
    ExportJob,
    Item,
    Kind,
    Priority,
    Satisfaction,
    Status,
    SubmitterType,
)
from ledger.scope import available_actions, item_contact_rule, may_act, submitter_contact
from ledger.selectors import (
    callback_list,
    dispatch_departments,
    export_job_get,
    export_job_list,
    item_get,
    item_inbox,
    item_submitters,
    item_timeline,
)
from org.actor import actor_of, division_codes
from org.models import Department, Division

security_log = logging.getLogger("grassroots.security")
User = get_user_model()
PAGE_SIZE = 50


def _page(request, qs, size: int = PAGE_SIZE):
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _partial(request) -> bool:
    """Whether to answer with the part of the page only: HTMX asked, and not to restore history."""
    return bool(request.htmx) and not request.htmx.history_restore_request


# ---------------------------------------------------------------------------------------------
# My items (我的事项)


@login_required
@require_GET
def inbox(request):
    items = item_inbox(user=request.user)
    return render(request, "ledger/inbox.html", {"page": _page(request, items)})


# ---------------------------------------------------------------------------------------------
# One item: the detail panel and its actions


@dataclass(frozen=True)
class Step:
    """How the page takes one action: the form that parses it, the service that does it and the form's
    fields the service takes besides the item, the actor and the version the user saw."""

    form: type[forms.ActionForm]
    service: Callable[..., Any]
    fields: tuple[str, ...] = ("reason",)
    on_item: bool = True  # False: the service acts on one of the fields (a measure), not on the item

    def run(self, item: Item, user, form: forms.ActionForm) -> Any:
        data = form.cleaned_data
        arguments = {name: data[name] for name in self.fields} | form.changes()
        if self.on_item:
            arguments["item"] = item
        return self.service(actor=user, version=data["version"], **arguments)


STEPS: dict[str, Step] = {
    Action.DISPATCH: Step(
        forms.DispatchForm, services.item_dispatch, ("department", "handler", "sponsor", "resolve_by", "reason")
    ),
    Action.ACKNOWLEDGE: Step(forms.AcknowledgeForm, services.item_acknowledge),
    Action.RETURN: Step(forms.ReturnForm, services.item_return),
    Action.ADD_MEASURE: Step(forms.AddMeasureForm, services.item_add_measure, ("text", "due", "owner")),
    Action.COMPLETE_MEASURE: Step(
        forms.CompleteMeasureForm, services.item_complete_measure, ("measure", "reason"), on_item=False
    ),
    Action.NOTE: Step(forms.NoteForm, services.item_note, ("text",)),
    Action.REQUEST_EXTENSION: Step(forms.RequestExtensionForm, services.item_request_extension, ("until", "reason")),
    Action.APPROVE_EXTENSION: Step(forms.ApproveExtensionForm, partial(services.item_decide_extension, approve=True)),
    Action.REFUSE_EXTENSION: Step(forms.RefuseExtensionForm, partial(services.item_decide_extension, approve=False)),
    Action.RESOLVE: Step(forms.ResolveForm, services.item_resolve, ("result_kind", "result_text", "amount")),
    Action.CALLBACK: Step(forms.CallbackForm, services.item_callback, ("satisfaction", "solved", "note", "submitter")),
    Action.SIGN_OFF: Step(forms.SignOffForm, services.item_sign_off),
    Action.SUPERVISE: Step(forms.SuperviseForm, services.item_supervise),
    Action.URGE: Step(forms.UrgeForm, services.item_urge),
    Action.EDIT: Step(forms.EditForm, services.item_edit),
    Action.MERGE: Step(forms.MergeForm, services.item_merge, ("into", "reason", "into_version")),
}


def _action_form(action: str, item: Item, user, data=None):
    return STEPS[action].form(data, item=item, user=user, prefix=action)


@login_required
@require_GET
def item_detail(request, pk: int):
    item = item_get(user=request.user, pk=pk)
    return _render_detail(request, item)


@login_required
@require_POST
def item_act(request, pk: int, action: str):
    """Take one action on the item through its service. Bad input: 400 with the form's errors;
    a refused action or a stale page: 409 with a message; no right to act: 403."""
    if action not in STEPS:
        raise Http404
    item = get_object_or_404(Item.objects.select_related("division", "category"), pk=pk)
    form = _action_form(action, item, request.user, request.POST)
    if form.is_valid():
        try:
            STEPS[action].run(item, request.user, form)
        except ValidationError as e:
            attach_errors(form, e)
        except ActionRefused as e:
            messages.error(request, e.message)
            return _after_refusal(request, _shown(request, action, pk), status=409)
        else:
            if action == Action.MERGE:
                into = form.cleaned_data["into"]
                messages.success(request, _("已合并至 %(number)s。") % {"number": into.number})
                return _to_item(request, into.pk)  # the survivor: where the work goes on
            messages.success(request, _("“%(action)s”已办理。") % {"action": Action(action).label})
            return _after_success(request, pk)
    if not may_act(request.user, item, action):
        # Bad input from someone who may not act at all: the refusal comes first, the form's errors not at all.
        security_log.warning("refused %s on item %s by %s", action, item.pk, request.user.get_username())
        raise PermissionDenied(_("您无权对该事项执行“%(action)s”。") % {"action": Action(action).label})
    shown = _shown(request, action, pk)
    if shown != pk:  # the merge button of another item's repeats panel: its errors as messages there
        for error in (e for errors in form.errors.values() for e in errors):
            messages.error(request, _("%(label)s：%(error)s") % {"label": Action(action).label, "error": error})
        return _render_detail(request, item_get(user=request.user, pk=shown), status=400)
    item = item_get(user=request.user, pk=pk)
    return _render_detail(request, item, bound={action: form}, status=400)


def _shown(request, action: str, pk: int) -> int:
    """The item whose page the form was on: a merge offered in the repeats panel of the other item
    (``merge-back``) answers there; every other form is on its own item's page."""
    back = request.POST.get(f"{action}-back", "") if action == Action.MERGE else ""
    return int(back) if back.isdigit() else pk


def _after_success(request, pk: int):
    try:
        item = item_get(user=request.user, pk=pk)
    except Http404:  # e.g. returned by a handler: it has left their department
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("ledger:inbox")
            return response
        return redirect("ledger:inbox")
    if request.htmx:
        return _render_detail(request, item)
    return redirect("ledger:item", pk=item.pk)


def _to_item(request, pk: int):
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("ledger:item", args=[pk])
        return response
    return redirect("ledger:item", pk=pk)


def _after_refusal(request, pk: int, status: int):
    item = item_get(user=request.user, pk=pk)
    return _render_detail(request, item, status=status)


def _render_detail(request, item: Item, bound: dict | None = None, status: int = 200):
    """The whole page, or for HTMX only the panel (fields, lists, timeline and action forms)."""
    bound = bound or {}
    actions = [
        (action, Action(action).label, bound.get(action) or _action_form(action, item, request.user))
        for action in available_actions(request.user, item)
    ]
    offered = {action for action, _label, _form in actions}
    for action, form in bound.items():  # a form the page no longer offers: its errors as messages
        if action not in offered:
            for error in (e for errors in form.errors.values() for e in errors):
                messages.error(request, _("%(label)s：%(error)s") % {"label": Action(action).label, "error": error})
    callbacks = list(callback_list(item=item))
    submitters = item_submitters(user=request.user, item=item, callbacks=callbacks)
    context = {
        "item": item,
        "actions": actions,
        "contact": submitter_contact(request.user, item),
        "submitters": submitters if len(submitters) > 1 else [],
        "callback_round": item.status in (Status.RESOLVED, Status.CALLED_BACK, Status.CLOSED),
        "merged_into": item.merged_into if item.merged_into_id else None,
        "merged_items": list(item.merged_items.order_by("pk").only("pk", "number", "title")),
        "division_names": _division_chain(item.division),
        "measures": item.measures.select_related("owner__person"),
        "results": item.results.select_related("created_by__person"),
        "callbacks": callbacks,
        "timeline": _timeline(request.user, item),
        "today": timezone.localdate(),
    }
    context["panels"] = slots.render("ledger.item_detail", request, item=item)  # the floors above: insight…
    template = "ledger/item_detail.html#panel" if _partial(request) else "ledger/item_detail.html"
    return render(request, template, context, status=status)


def _division_chain(division: Division) -> str:
    codes = division_codes(division)
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    return " / ".join(names.get(c, c) for c in codes)


# The timeline: each event's changes, in words

_CHOICES = {
    "status": Status,
    "kind": Kind,
    "channel": Channel,
    "priority": Priority,
    "satisfaction": Satisfaction,
    "submitter_type": SubmitterType,
}
_HIDDEN_CHANGES = {"status", "number", "merged_into_id", "merged_from_id"}  # a merge shows as a link
_EXTRA_LABELS = {  # what services record beside the item's own fields
    "callback_for": _lazy("回访对象"),
    "submitters": _lazy("诉求人数"),
}
_LOOKUPS = {
    "department_id": Department,
    "category_id": Category,
    "division_id": Division,
    "handler_id": User,
    "sponsor_id": User,
    "first_receiver_id": User,
    "submitter_user_id": User,
    "merged_into_id": Item,
    "merged_from_id": Item,
}


def _field_labels() -> dict[str, str]:
    return {f.attname: str(f.verbose_name) for f in Item._meta.concrete_fields} | {
        k: str(v) for k, v in _EXTRA_LABELS.items()
    }


def _timeline(user, item: Item) -> list[dict]:
    events = list(item_timeline(item=item))
    ids: dict[type, set] = {}
    for event in events:
        for field, values in (event.changes or {}).items():
            if field in _LOOKUPS:
                ids.setdefault(_LOOKUPS[field], set()).update(v for v in values if v)
    names: dict[type, dict] = {}
    for model, pks in ids.items():
        if model is User:
            names[model] = {
                u.pk: getattr(getattr(u, "person", None), "name", u.get_username())
                for u in User.objects.filter(pk__in=pks).select_related("person")
            }
        elif model is Item:
            names[model] = dict(Item.objects.filter(pk__in=pks).values_list("pk", "number"))
        else:
            names[model] = {o.pk: str(o) for o in model.objects.filter(pk__in=pks)}
    rule = item_contact_rule(user, item)
    labels = _field_labels()

    def show(field, value):
        if value in (None, ""):
            return "—"
        if field in _LOOKUPS:
            return names.get(_LOOKUPS[field], {}).get(value, value)
        if field in _CHOICES:
            return _CHOICES[field](value).label if value in _CHOICES[field].values else value
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
            moment = parse_datetime(value)
            if moment is not None:
                return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
        return value

    rows = []
    for event in events:
        changes = []
        if event.action != Action.OPEN:
            masked = masked_changes(event.changes, rule, phone="submitter_phone", id_number="submitter_id_number")
            for field, (old, new) in masked.items():
                if field not in _HIDDEN_CHANGES:
                    changes.append((labels.get(field, field), show(field, old), show(field, new)))
        actor = event.actor
        link = None
        for field in ("merged_into_id", "merged_from_id"):
            other = (event.changes or {}).get(field, [None, None])[1]
            if other:
                link = {"pk": other, "number": names.get(Item, {}).get(other, other), "into": field == "merged_into_id"}
        rows.append(
            {
                "link": link,
                "event": event,
                "label": Action(event.action).label if event.action in Action.values else event.action,
                "actor": (getattr(getattr(actor, "person", None), "name", None) or actor.get_username())
                if actor
                else _("系统"),
                "moved": event.from_status and event.from_status != event.to_status,
                "changes": changes,
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Intake (受理登记)


def _division_options(scope: Division, villages: bool = True) -> list[tuple[str, str]]:
    """The scope's counties, townships and villages (2,700+ for the city) as (code, "乡镇 村") for a <datalist>."""
    levels = [Division.Level.COUNTY, Division.Level.ZONE, Division.Level.TOWNSHIP]
    if villages:
        levels.append(Division.Level.VILLAGE)
    rows = (
        Division.objects.filter(path__startswith=scope.path, level__in=levels)
        .select_related("parent")
        .only("code", "name", "level", "parent__name")
        .order_by("code")
    )
    options = []
    for d in rows:
        label = f"{d.parent.name} {d.name}" if d.level == Division.Level.VILLAGE and d.parent_id else d.name
        options.append((d.code, label))
    return options


@login_required
def intake(request):
    actor = actor_of(request.user)
    if actor.role not in services.INTAKE_ROLES:
        raise PermissionDenied(_("您的角色不能受理事项。"))
    scope = actor.division
    departments = dispatch_departments(scope) if actor.role in DISPATCHERS else None
    form = forms.IntakeForm(request.POST or None, departments=departments)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            department = form.cleaned_data.get("department")
            try:
                with transaction.atomic():
                    item = services.item_open(actor=request.user, **form.open_kwargs())
                    if department is not None:
                        item = services.item_dispatch(item=item, actor=request.user, department=department)
            except ValidationError as e:
                attach_errors(form, e)
            except PermissionDenied as e:
                form.add_error("division", str(e))
            else:
                if department is not None:
                    text = _("已受理并派单至%(department)s，编号 %(number)s。")
                else:
                    text = _("已受理，编号 %(number)s。")
                messages.success(request, text % {"number": item.number, "department": department})
                return redirect("ledger:item", pk=item.pk)
    context = {
        "form": form,
        "division_options": _division_options(scope),
        "scope": scope,
        "panels": slots.render("ledger.intake", request),  # the floors above: insight's routing suggestion
    }
    return render(request, "ledger/intake.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# The ledger (台账): three lists, filters, pages and exports


@login_required
@require_GET
def ledger(request):
    tab = request.GET.get("tab", "items")
    if tab not in exports.LISTS:
        tab = "items"
    filterset = exports.list_filterset(user=request.user, name=tab, data=request.GET)
    division_options = []
    if "division" in filterset.form.fields:
        scope = actor_of(request.user).division
        if scope is not None:
            filterset.form.fields["division"].widget.attrs.update({"list": "division-filter-options", "size": 14})
            division_options = _division_options(scope, villages=False)
    context = {
        "division_options": division_options,
        "tab": tab,
        "tabs": [(key, spec.title) for key, spec in exports.LISTS.items()],
        "filterset": filterset,
        "form": filterset.form,
        "page": _page(request, filterset.qs),
        "today": timezone.localdate(),
        "export_sync_max_rows": settings.LEDGER_EXPORT_SYNC_MAX_ROWS,
    }
    template = "ledger/ledger.html#results" if _partial(request) else "ledger/ledger.html"
    return render(request, template, context)


@login_required
@require_GET
def ledger_export(request, name: str, fmt: str):
    """The list as .xlsx or CSV, with the page's filters and within the viewer's scope. Up to
    LEDGER_EXPORT_SYNC_MAX_ROWS rows come in the answer; more are written by the task worker,
    and the user waits on the export job's page."""
    if name not in exports.LISTS or fmt not in sheets.CONTENT_TYPES:
        raise Http404
    try:
        filterset = exports.list_filterset(user=request.user, name=name, data=request.GET, strict=True)
    except ValidationError as e:
        reasons = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in e.message_dict.items())
        return HttpResponse(
            _("筛选条件有误，未导出：%(reasons)s") % {"reasons": reasons},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    if filterset.qs.count() > settings.LEDGER_EXPORT_SYNC_MAX_ROWS:
        query = exports.filter_query(request.GET)
        job = export_jobs.export_request(user=request.user, list_name=name, fmt=fmt, query=query)
        return redirect("ledger:export_job", pk=job.pk)
    sheet = exports.LISTS[name].sheet(filterset.qs, request.user)
    return sheets.download(sheet, fmt, exports.filename(name, fmt, timezone.localdate()))


# ---------------------------------------------------------------------------------------------
# Export jobs (导出任务): large exports, written in the background


@login_required
@require_GET
def export_job(request, pk: int):
    """One of the user's export jobs: its state (HTMX polls it while it runs), the download when
    it is done, the error when it failed; below, the user's recent jobs."""
    job = export_job_get(user=request.user, pk=pk)
    if _partial(request):
        return render(request, "ledger/export_job.html#status", {"job": job})
    jobs = export_job_list(user=request.user)[:10]
    context = {"job": job, "jobs": jobs, "keep_days": export_jobs.EXPORT_KEEP_DAYS}
    return render(request, "ledger/export_job.html", context)


@login_required
@require_GET
def export_download(request, pk: int):
    """The finished file, to the user who asked for it only."""
    job = export_job_get(user=request.user, pk=pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    try:
        file = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    filename = exports.filename(job.list_name, job.fmt, timezone.localdate(job.created_at))
    return FileResponse(file, as_attachment=True, filename=filename, content_type=sheets.CONTENT_TYPES[job.fmt])
