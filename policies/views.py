"""Pages of the policy catalogue (drafting, consultation, publishing) and of delivery (政策找企:
eligible lists, explanations, policies for me, notifications, grant batches, applications)."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import ActionRefused
from core.exports import CONTENT_TYPES, download
from core.figures import Where
from core.forms import service_call
from enterprises.selectors import enterprise_list, register_snapshot
from org.actor import division_codes
from org.models import Division
from policies import forms as catalogue_forms
from policies import selectors
from policies.exports import XLSX_MAX_ROWS, eligible_sheet
from policies.models import ClauseMode, Comment, MatchResult, PolicyStatus
from policies.services import catalogue as catalogue_services
from policies.services import consultation as consultation_services
from policies.services import delivery as delivery_services

# ---------------------------------------------------------------------------------------------
# Catalogue
#
# Policies and their clauses for everyone (drafts only for the drafters: administrators, leaders,
# handlers), the clause editor with its live sentence and impact preview, publishing (leaders and
# administrators) and consultation on drafts (征求意见). Rules live in policies.services and
# policies.selectors; these views parse input, call them and draw the answer.


def _script(both: dict[str, str] | None) -> str:
    if not both:
        return ""
    return both["zh-hant"] if get_language() == "zh-hant" else both["zh-hans"]


def _refused(form, error) -> None:
    form.add_error(None, str(error.message))


@login_required
@require_GET
def catalogue(request):
    status = request.GET.get("status", "")
    rows = selectors.policy_overview(user=request.user, status=status)
    invited = selectors.consultations_invited(user=request.user)[:20]
    context = {"rows": rows, "status": status, "may_draft": selectors.may_draft(request.user),
               "statuses": PolicyStatus.choices, "invited": invited}  # fmt: skip
    return render(request, "policies/catalogue_list.html", context)


@login_required
@require_GET
def catalogue_policy(request, pk: int):
    policy = selectors.policy_get(user=request.user, pk=pk)
    clauses = selectors.clause_rows(policy=policy)
    for row in clauses:
        row["condition"] = _script(row["condition_text"])
        row["benefit"] = _script(row["benefit_text"])
    draft = policy.status == PolicyStatus.DRAFT
    may_draft = selectors.may_draft(request.user)
    context = {
        "policy": policy, "clauses": clauses, "draft": draft, "may_draft": may_draft and draft,
        "may_publish": selectors.may_publish(request.user) and draft,
        "may_amend": selectors.may_amend(request.user, policy), "expired": selectors.policy_expired(policy),
        "consultations": selectors.consultations_of(policy=policy) if may_draft else [],
        "history": selectors.policy_history(policy=policy),
    }  # fmt: skip
    return render(request, "policies/catalogue_detail.html", context)


def _drafter_only(request):
    if not selectors.may_draft(request.user):
        raise PermissionDenied(_("您的角色不能起草或修改政策。"))


@login_required
def catalogue_policy_edit(request, pk: int | None = None):
    """Create a draft policy, or edit a draft's text."""
    _drafter_only(request)
    policy = selectors.policy_get(user=request.user, pk=pk) if pk else None
    form = catalogue_forms.PolicyForm(request.POST or None, policy=policy)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            saved, status = service_call(
                form, lambda: catalogue_services.policy_save(actor=request.user, **form.save_kwargs())
            )
            if saved is not None:
                messages.success(request, _("政策已保存。"))
                return redirect("policies:catalogue-policy", pk=saved.pk)
    return render(request, "policies/catalogue_policy_form.html", {"form": form, "policy": policy}, status=status)


def _clause_context(request, policy, form, clause=None) -> dict:
    preview = form.preview() if form.is_bound else form.stored_preview()
    return {"policy": policy, "form": form, "clause": clause, "preview": preview, "amend": form.amend,
            "kinds": {k: kind for k, (_label, kind) in catalogue_forms.KINDS.items()},
            "ops_by_kind": catalogue_forms.OPS_BY_KIND,
            "history": selectors.clause_history(clause=clause) if clause else []}  # fmt: skip


def _amending(request, policy) -> bool:
    """Whether the editor amends a published policy (leaders and administrators only: 403 for others)."""
    if policy.status == PolicyStatus.DRAFT:
        return False
    if not selectors.may_publish(request.user):
        raise PermissionDenied(_("已发布政策的条款只有领导或管理员可以修改。"))
    return True


@login_required
def clause_edit(request, pk: int, clause_pk: int | None = None):
    """The clause editor: rows → JSON Logic, validated; saving writes a version (who, when, why). On a
    published policy (leaders, administrators) it amends: a reason is required, and saving recomputes
    the clause's matches in the background."""
    _drafter_only(request)
    policy = selectors.policy_get(user=request.user, pk=pk)
    clause = get_object_or_404(policy.clauses, pk=clause_pk) if clause_pk else None
    amend = _amending(request, policy)
    data = request.POST if request.method == "POST" else None
    if data is None and amend and selectors.policy_expired(policy):
        messages.error(request, _("该政策已失效，条款不能再修改。"))
        return redirect("policies:catalogue-policy", pk=policy.pk)
    if data is not None and "add_row" in data:
        form = catalogue_forms.ClauseForm(catalogue_forms.add_row(data), clause=clause, amend=amend)
        form.is_valid()
        return render(request, "policies/clause_form.html", _clause_context(request, policy, form, clause))
    if data is None and clause is None:
        form = catalogue_forms.ClauseForm(initial={"number": policy.clauses.count() + 1, "mode": ClauseMode.APPLY},
                                          amend=amend)  # fmt: skip
    else:
        form = catalogue_forms.ClauseForm(data, clause=clause, amend=amend)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            try:
                saved = catalogue_services.clause_save(policy=policy, actor=request.user, create=clause is None,
                                         **form.save_kwargs())  # fmt: skip
            except ValidationError as e:
                form.attach(e)
            except ActionRefused as e:  # VersionConflict too: nothing was written
                _refused(form, e)
                status = 409
            else:
                rematch = amend and (clause is None or saved.rule_version != clause.rule_version)
                done = (
                    _("条款“%(title)s”已修改，正在按新版本重新匹配企业。") if rematch else _("条款“%(title)s”已保存。")
                )
                messages.success(request, done % {"title": saved.title})
                return redirect(reverse("policies:catalogue-policy", args=[policy.pk]) + f"#clause-{saved.pk}")
    context = _clause_context(request, policy, form, clause)
    return render(request, "policies/clause_form.html", context, status=status)


@login_required
@require_POST
def clause_preview(request, pk: int, clause_pk: int | None = None):
    """HTMX: the sentence, JSON and errors of what the editor holds now (nothing is written)."""
    _drafter_only(request)
    policy = selectors.policy_get(user=request.user, pk=pk)
    clause = get_object_or_404(policy.clauses, pk=clause_pk) if clause_pk else None
    form = catalogue_forms.ClauseForm(request.POST, clause=clause)
    return render(request, "policies/clause_preview.html", {"preview": form.preview()})


@login_required
@require_POST
def clause_impact(request, pk: int, clause_pk: int | None = None):
    """The impact of the clause as the editor holds it now, on the register (nothing is written)."""
    _drafter_only(request)
    policy = selectors.policy_get(user=request.user, pk=pk)
    clause = get_object_or_404(policy.clauses, pk=clause_pk) if clause_pk else None
    amend = _amending(request, policy)
    form = catalogue_forms.ClauseForm(request.POST, clause=clause, amend=amend, reason_required=False)
    impact, compare, preview = None, None, form.preview()
    if preview["valid"]:
        d = form.save_kwargs()
        draft = selectors.Draft(d["code"], d["title"], d["condition"], d["benefit"], d["cap"], d["budget"])
        frame, today = register_snapshot(), timezone.localdate()
        if clause is not None:  # against the clause as it stands: before → after
            compare = selectors.impact_compare(
                frame=frame, before=selectors.draft_of(clause), after=draft, reference_date=today
            )
            impact = compare["after"]
        else:
            impact = selectors.impact_preview(frame=frame, drafts=[draft], reference_date=today)
    context = {"impact": impact, "compare": compare, "preview": preview, "policy": policy, "amend": amend,
               "partial": bool(request.htmx)}  # fmt: skip
    template = "policies/impact_panel.html" if request.htmx else "policies/impact_preview.html"
    return render(request, template, context, status=200 if impact else 400)


@login_required
@require_GET
def policy_impact(request, pk: int):
    """Before publishing: how many enterprises the policy would reach, at what cost, where."""
    _drafter_only(request)
    policy = selectors.policy_get(user=request.user, pk=pk)
    impact = selectors.impact_of_policy(policy=policy)
    context = {"impact": impact, "policy": policy, "may_publish": selectors.may_publish(request.user)
               and policy.status == PolicyStatus.DRAFT}  # fmt: skip
    return render(request, "policies/impact_preview.html", context)


@login_required
@require_POST
def policy_publish(request, pk: int):
    policy = selectors.policy_get(user=request.user, pk=pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        catalogue_services.policy_publish(policy=policy, actor=request.user, version=version, recompute=True)
    except ActionRefused as e:
        messages.error(request, e.message)
        return redirect("policies:catalogue-policy", pk=policy.pk)
    except ValidationError as e:
        messages.error(request, _("有条款未通过检查，不能发布：%(e)s") % {"e": "；".join(e.messages)})
        return redirect("policies:catalogue-policy", pk=policy.pk)
    messages.success(request, _("政策已发布，正在为各条款匹配企业。"))
    return redirect("policies:catalogue-policy", pk=policy.pk)


@login_required
def consultation_new(request, pk: int):
    _drafter_only(request)
    policy = selectors.policy_get(user=request.user, pk=pk)
    form = catalogue_forms.ConsultationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            consultation, status = service_call(
                form,
                lambda: consultation_services.consultation_open(
                    policy=policy, actor=request.user, **form.save_kwargs()
                ),
            )
            if consultation is not None:
                messages.success(request, _("已发起征求意见。"))
                return redirect("policies:consultation", pk=consultation.pk)
    return render(request, "policies/consultation_form.html", {"form": form, "policy": policy}, status=status)


def _consultation_page(request, consultation, comment_form=None, answer_forms=None, status=200):
    invited_as = selectors.consultation_invited_as(consultation=consultation, user=request.user)
    may_draft = selectors.may_draft(request.user)
    today = timezone.localdate()
    is_open = consultation.opens_on <= today <= consultation.closes_on
    clauses = selectors.clause_rows(policy=consultation.policy)
    for row in clauses:
        row["condition"] = _script(row["condition_text"])
        row["benefit"] = _script(row["benefit_text"])
    comments = list(selectors.comments_for(consultation=consultation, user=request.user))
    answer_forms = answer_forms or {}
    for c in comments:
        c.answer_form = answer_forms.get(c.pk) or catalogue_forms.AnswerForm(prefix=f"a{c.pk}")
    if comment_form is None and invited_as is not None and is_open:
        comment_form = catalogue_forms.CommentForm(consultation=consultation, invited_as=invited_as)
    context = {"consultation": consultation, "policy": consultation.policy, "clauses": clauses,
               "comments": comments, "comment_form": comment_form, "invited_as": invited_as,
               "may_answer": may_draft, "is_open": is_open, "today": today}  # fmt: skip
    return render(request, "policies/consultation_detail.html", context, status=status)


@login_required
@require_GET
def consultation(request, pk: int):
    return _consultation_page(request, selectors.consultation_get(user=request.user, pk=pk))


@login_required
@require_POST
def comment_add(request, pk: int):
    consultation = selectors.consultation_get(user=request.user, pk=pk)
    invited_as = selectors.consultation_invited_as(consultation=consultation, user=request.user)
    if invited_as is None:
        raise PermissionDenied(_("您未受邀对该政策草案提出意见。"))
    form = catalogue_forms.CommentForm(request.POST, consultation=consultation, invited_as=invited_as)
    status = 400
    if form.is_valid():
        added, status = service_call(
            form,
            lambda: consultation_services.comment_add(
                consultation=consultation, actor=request.user, **form.cleaned_data
            ),
        )
        if added is not None:
            messages.success(request, _("意见已提交，谢谢。"))
            return redirect("policies:consultation", pk=consultation.pk)
    return _consultation_page(request, consultation, comment_form=form, status=status)


@login_required
@require_POST
def comment_answer(request, pk: int):
    comment = get_object_or_404(Comment.objects.select_related("consultation"), pk=pk)
    consultation = selectors.consultation_get(user=request.user, pk=comment.consultation_id)
    _drafter_only(request)
    form = catalogue_forms.AnswerForm(request.POST, prefix=f"a{comment.pk}")
    status = 400
    if form.is_valid():
        answered, status = service_call(
            form, lambda: consultation_services.comment_answer(comment=comment, actor=request.user, **form.cleaned_data)
        )
        if answered is not None:
            messages.success(request, _("已答复。"))
            return redirect(reverse("policies:consultation", args=[consultation.pk]) + f"#comment-{comment.pk}")
    return _consultation_page(request, consultation, answer_forms={comment.pk: form}, status=status)


# ---------------------------------------------------------------------------------------------
# Delivery
#
# Enterprise users: 我的政策 (policies for me), explanations, the one-step application, notifications.
# Officials: the per-clause eligible lists by division (with CSV export), explanations, near misses
# and grant batches. Views parse input and call policies.selectors / policies.services.

DELIVERY_PAGE_SIZE = 50


class ApplicationForm(forms.Form):
    contact_name = forms.CharField(label=gettext_lazy("联系人"), max_length=32)
    contact_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=20)
    note = forms.CharField(
        label=gettext_lazy("补充说明（可不填）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(label=gettext_lazy("我已核对以上信息，确认提交申请"))


class BatchRejectForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("退回理由"), max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput)


def _staff_only(request):
    if not selectors.is_staff_user(request.user):
        raise PermissionDenied(_("只有工作人员可以查看政策兑现名单。"))


@login_required
@require_GET
def mine(request):
    """我的政策: the enterprise's eligible, unknown and near-miss clauses, grants and applications."""
    pk = request.GET.get("enterprise")
    enterprise = selectors.my_enterprise(user=request.user, pk=int(pk) if pk and pk.isdigit() else None)
    context = {"enterprise": enterprise, "enterprises": selectors.enterprises_of(user=request.user)}
    if enterprise is not None:
        context |= selectors.mine_overview(enterprise=enterprise)
    return render(request, "policies/mine_policies.html", context)


@login_required
@require_GET
def explain(request, enterprise_pk: int, clause_pk: int):
    """One (enterprise, clause): each condition with the enterprise's value, pass / fail / unknown.
    Officials within their scope, and the enterprise's own users; 404 for anybody else."""
    enterprise = selectors.enterprise_for_official(user=request.user, pk=enterprise_pk)
    clause = selectors.clause_get(pk=clause_pk)
    is_member = enterprise.members.filter(pk=request.user.pk).exists()
    context = {
        "enterprise": enterprise,
        "clause": clause,
        "explanation": selectors.explanation(enterprise=enterprise, clause=clause),
        "is_member": is_member,
        "application": clause.applications.filter(enterprise=enterprise).select_related("item").first(),
        "grant": clause.grants.filter(enterprise=enterprise).first(),
    }
    return render(request, "policies/delivery_explain.html", context)


@login_required
def apply(request, clause_pk: int):
    """The one-step application (依申请), prefilled from the register; the user confirms."""
    clause = selectors.clause_get(pk=clause_pk)
    pk = request.GET.get("enterprise") or request.POST.get("enterprise")
    enterprise = selectors.my_enterprise(user=request.user, pk=int(pk) if pk and pk.isdigit() else None)
    if enterprise is None:
        raise Http404
    prefill = delivery_services.application_prefill(enterprise=enterprise, clause=clause, actor=request.user)
    form = ApplicationForm(
        request.POST or None,
        initial={"contact_name": prefill["contact_name"], "contact_phone": prefill["contact_phone"]},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                application = delivery_services.application_submit(
                    clause=clause,
                    enterprise=enterprise,
                    actor=request.user,
                    contact_name=form.cleaned_data["contact_name"],
                    contact_phone=form.cleaned_data["contact_phone"],
                    note=form.cleaned_data["note"],
                )
            except ActionRefused as e:
                messages.error(request, e.message)
                return redirect(f"{reverse('policies:mine')}?enterprise={enterprise.pk}")
            except ValidationError as e:
                for message in e.messages:
                    form.add_error(None, message)
                status = 400
            else:
                messages.success(
                    request,
                    _("申请已提交，已登记为台账事项 %(number)s，请留意办理进度。")
                    % {"number": application.item.number},
                )
                return redirect("ledger:item", pk=application.item.pk)
        else:
            status = 400
    existing = clause.applications.filter(enterprise=enterprise).select_related("item").first()
    explanation = selectors.explanation(enterprise=enterprise, clause=clause)
    context = {"clause": clause, "enterprise": enterprise, "prefill": prefill, "form": form, "existing": existing,
               "explanation": explanation}  # fmt: skip
    return render(request, "policies/mine_apply.html", context, status=status)


@login_required
@require_GET
def notifications(request):
    page = Paginator(selectors.notification_list(user=request.user), DELIVERY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "policies/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    pk = request.POST.get("pk")
    notification = None
    if pk:
        notification = selectors.notification_list(user=request.user).filter(pk=pk).first()
        if notification is None:
            raise Http404
    delivery_services.notification_read(user=request.user, notification=notification)
    return redirect("policies:notifications")


@login_required
@require_GET
def delivery(request):
    """Officials: every published clause with its eligible enterprises in their scope, against budget."""
    _staff_only(request)
    division = selectors.division_in_scope(user=request.user, code=None)
    rows = selectors.clause_overview(division=division)
    return render(request, "policies/delivery_index.html", {"division": division, "rows": rows})


@login_required
@require_GET
def delivery_clause(request, clause_pk: int):
    """Officials: one clause's eligible enterprises by division (drill down with ?division=), totals
    against the budget, unknown counts, and the enterprises (paginated)."""
    _staff_only(request)
    clause = selectors.clause_get(pk=clause_pk)
    division = selectors.division_in_scope(user=request.user, code=request.GET.get("division"))
    root = selectors.scope_root(user=request.user)
    result = MatchResult.UNKNOWN if request.GET.get("result") == "unknown" else MatchResult.ELIGIBLE
    enterprises = selectors.clause_eligible_enterprises(clause=clause, division=division, result=result)
    context = {
        "clause": clause,
        "division": division,
        "crumbs": _crumbs(root, division),
        "summary": selectors.clause_division_summary(clause=clause, division=division),
        "page": Paginator(enterprises, DELIVERY_PAGE_SIZE).get_page(request.GET.get("page")),
        "result": result,
        "may_create_batch": clause.mode == ClauseMode.AUTO and selectors.may_create_batch(request.user),
        "applications": selectors.clause_applications(clause=clause, division=division)[:DELIVERY_PAGE_SIZE],
    }
    return render(request, "policies/delivery_clause.html", context)


def _crumbs(root, division) -> list:
    codes = division_codes(division)
    by_code = {d.code: d for d in Division.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code and by_code[c].path.startswith(root.path)]


@login_required
@require_GET
def delivery_export(request, clause_pk: int, fmt: str):
    """The clause's eligible or unknown enterprises in the division, as CSV (UTF-8 with BOM, streamed)
    or .xlsx (up to ``XLSX_MAX_ROWS``), formula-escaped by the export kit."""
    if fmt not in CONTENT_TYPES:
        raise Http404
    _staff_only(request)
    clause = selectors.clause_get(pk=clause_pk)
    division = selectors.division_in_scope(user=request.user, code=request.GET.get("division"))
    result = MatchResult.UNKNOWN if request.GET.get("result") == "unknown" else MatchResult.ELIGIBLE
    enterprises = selectors.clause_eligible_enterprises(clause=clause, division=division, result=result)
    if fmt == "xlsx" and enterprises.count() > XLSX_MAX_ROWS:
        messages.error(request, _("超过 %(n)s 家企业的名单请导出为 CSV。") % {"n": f"{XLSX_MAX_ROWS:,}"})
        return redirect(f"{reverse('policies:delivery-clause', args=[clause.pk])}?{request.GET.urlencode()}")
    sheet = eligible_sheet(clause=clause, enterprises=enterprises, result=result)
    return download(sheet, fmt, f"{clause.code}_{division.code}_{result}_{timezone.localdate():%Y%m%d}.{fmt}")


FIGURE_TITLES = {"notified": gettext_lazy("推送符合条件企业"), "applications": gettext_lazy("政策兑现申请"),
                 "grants": gettext_lazy("政策兑现")}  # fmt: skip


@login_required
@require_GET
def figure_records(request, what: str):
    """Officials: the records behind a delivery figure (policies/figures.py), for ``start``–``end``
    (dates; default this year) in ``division``'s subtree (within their scope, else 404)."""
    if what not in selectors.FIGURE_RECORDS:
        raise Http404
    _staff_only(request)
    division = selectors.division_in_scope(user=request.user, code=request.GET.get("division"))
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("start") or f"{today.year}-01-01")
        end = dt.date.fromisoformat(request.GET.get("end") or today.isoformat())
    except ValueError:
        raise Http404 from None
    where = Where(start=start, end=end, division_path=division.path)
    records = selectors.figure_records(what=what, where=where)
    total = records.aggregate(s=Sum("amount"))["s"] if what == "grants" else None
    page = Paginator(records, DELIVERY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"what": what, "title": FIGURE_TITLES[what], "division": division, "start": start, "end": end,
               "page": page, "count": page.paginator.count, "total": total}  # fmt: skip
    return render(request, "policies/figure_records.html", context)


@login_required
@require_GET
def delivery_near(request, clause_pk: int):
    """Officials: the clause's near misses (every condition passes but one) in their scope."""
    _staff_only(request)
    clause = selectors.clause_get(pk=clause_pk)
    division = selectors.division_in_scope(user=request.user, code=request.GET.get("division"))
    near = selectors.clause_near_misses(clause=clause, division=division)
    page = Paginator(near, DELIVERY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "policies/delivery_near.html", {"clause": clause, "division": division, "page": page})


@login_required
def grant_batches(request, clause_pk: int):
    """A clause's grant batches; POST draws a new one (staff)."""
    _staff_only(request)
    clause = selectors.clause_get(pk=clause_pk)
    if request.method == "POST":
        try:
            batch = delivery_services.grant_batch_create(clause=clause, actor=request.user)
        except ActionRefused as e:
            messages.error(request, e.message)
            return redirect("policies:grant-batches", clause_pk=clause.pk)
        messages.success(request, _("已生成兑现批次，共 %(n)d 家企业，待审核。") % {"n": batch.lines.count()})
        return redirect("policies:grant-batch", pk=batch.pk)
    context = {
        "clause": clause,
        "batches": selectors.batch_list(clause=clause),
        "may_create": clause.mode == ClauseMode.AUTO and selectors.may_create_batch(request.user),
    }
    return render(request, "policies/grant_batches.html", context)


@login_required
@require_GET
def grant_batch(request, pk: int):
    _staff_only(request)
    batch = selectors.batch_get(pk=pk)
    visible = enterprise_list(user=request.user)  # the lines of the viewer's own subtree; totals are the batch's
    lines = (
        batch.lines.filter(enterprise__in=visible)
        .select_related("enterprise__division")
        .order_by("enterprise__division__path", "pk")
    )
    context = {
        "batch": batch,
        "clause": batch.clause,
        "totals": selectors.batch_totals(batch=batch),
        "page": Paginator(lines, DELIVERY_PAGE_SIZE).get_page(request.GET.get("page")),
        "may_review": selectors.may_approve_batch(request.user, batch.clause),
        "outside_scope": selectors.batch_outside_scope(request.user, batch),
        "reject_form": BatchRejectForm(initial={"version": batch.version}),
    }
    return render(request, "policies/grant_batch.html", context)


def _version(request) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@login_required
@require_POST
def grant_batch_approve(request, pk: int):
    _staff_only(request)
    batch = selectors.batch_get(pk=pk)
    try:
        batch = delivery_services.grant_batch_approve(batch=batch, actor=request.user, version=_version(request))
    except ActionRefused as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("兑现批次已审批，已记录兑现 %(n)d 笔。") % {"n": batch.grants.count()})
    return redirect("policies:grant-batch", pk=pk)


@login_required
@require_POST
def grant_batch_reject(request, pk: int):
    _staff_only(request)
    batch = selectors.batch_get(pk=pk)
    try:
        delivery_services.grant_batch_reject(batch=batch, actor=request.user, version=_version(request),
                                note=request.POST.get("note", ""))  # fmt: skip
    except ActionRefused as e:
        messages.error(request, e.message)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("兑现批次已退回。"))
    return redirect("policies:grant-batch", pk=pk)


class ApplicationDecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("决定"),
        choices=[("approve", gettext_lazy("同意兑现")), ("refuse", gettext_lazy("不予兑现"))],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=gettext_lazy("兑现金额（元）"), required=False, min_value=0, max_digits=16, decimal_places=2,
        help_text=gettext_lazy("不填则按测算金额兑现。"),
    )  # fmt: skip
    reason = forms.CharField(
        label=gettext_lazy("理由或说明（不予兑现时必填）"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _application_page(request, application, form=None, status=200):
    may_decide = selectors.is_staff_user(request.user) and selectors.may_decide_application(request.user, application)
    if form is None:
        form = ApplicationDecideForm(initial={"decision": "approve", "amount": application.amount,
                                              "version": application.item.version})  # fmt: skip
    context = {
        "application": application,
        "clause": application.clause,
        "enterprise": application.enterprise,
        "decision": selectors.application_decision(application),
        "grant": getattr(application, "grant", None),
        "may_decide": may_decide,
        "form": form,
        "is_member": application.enterprise.members.filter(pk=request.user.pk).exists(),
    }
    return render(request, "policies/application_detail.html", context, status=status)


@login_required
@require_GET
def application(request, pk: int):
    """An application (依申请) with its figures, its ledger item and the decision; the paying
    department's reviewers decide it here. Staff within their scope and the enterprise's users."""
    return _application_page(request, selectors.application_get(user=request.user, pk=pk))


@login_required
@require_POST
def application_decide(request, pk: int):
    application = selectors.application_get(user=request.user, pk=pk)
    form = ApplicationDecideForm(request.POST)
    if not form.is_valid():
        return _application_page(request, application, form, status=400)
    data = form.cleaned_data
    try:
        delivery_services.application_decide(actor=request.user, application=application,
                                             approve=data["decision"] == "approve", amount=data["amount"],
                                             reason=data["reason"], version=data["version"])  # fmt: skip
    except ActionRefused as e:
        messages.error(request, e.message)
    except ValidationError as e:
        for message in e.messages:
            form.add_error(None, message)
        return _application_page(request, application, form, status=400)
    else:
        messages.success(request, _("兑现决定已记录，并已写入台账事项 %(number)s 的办理日志。")
                          % {"number": application.item.number})  # fmt: skip
    return redirect("policies:application", pk=pk)
