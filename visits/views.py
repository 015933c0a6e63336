"""Pages of the visits app: thin — parse, call the service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import exports as sheets
from core.forms import service_call, tidy_filter_form
from core.history import history_rows
from org.actor import actor_of, permits
from org.forms import WhereForm
from org.models import Division
from visits import selectors, services
from visits.exports import finding_sheet, not_visited_sheet, visit_sheet
from visits.filters import FindingFilterSet, VisitFilterSet
from visits.forms import FindingFormSet, OpenItemForm, VisitForm
from visits.models import RECORD_ROLES, Finding


def _staff(request) -> None:
    if not actor_of(request.user).is_staff_role:
        services.security_log.warning("refused visits page %s to %s", request.path, request.user.get_username())
        raise PermissionDenied(_("您无权查看走访记录。"))


@login_required
@require_GET
def visit_list(request):
    _staff(request)
    filterset = VisitFilterSet(request.GET or None, queryset=selectors.visit_list(user=request.user))
    page = Paginator(filterset.qs, 30).get_page(request.GET.get("page"))
    return render(request, "visits/list.html", {
        "filterset": filterset, "form": tidy_filter_form(filterset.form), "page": page, "export": "visits",
        "may_record": actor_of(request.user).role in RECORD_ROLES})  # fmt: skip


@login_required
@require_GET
def finding_list(request):
    _staff(request)
    filterset = FindingFilterSet(request.GET or None, queryset=selectors.finding_list(user=request.user))
    page = Paginator(filterset.qs.order_by("-visit__visited_on", "pk"), 30).get_page(request.GET.get("page"))
    return render(request, "visits/findings.html", {
        "form": tidy_filter_form(filterset.form), "page": page, "export": "findings"})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request):
    """录入走访: quick entry on a phone. Findings given a category become ledger items at once."""
    _staff(request)
    form = VisitForm(request.POST or None, user=request.user)
    findings = FindingFormSet(request.POST or None, prefix="f")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and findings.is_valid():
            rows = [
                services.FindingInput(text=f["text"], kind=f["kind"], category=f["category"])
                for f in findings.cleaned_data
                if f and (f.get("text") or "").strip()
            ]
            data = form.cleaned_data
            visit, status = service_call(form, lambda: services.visit_record(
                actor=request.user, visited_on=data["visited_on"], officials=list(data["officials"]),
                enterprise=data["enterprise"], division=data["division"], place=data["place"],
                summary=data["summary"], findings=rows))  # fmt: skip
            if visit is not None:
                opened = sum(1 for f in visit.findings.all() if f.item_id)
                messages.success(request, _("走访记录已保存，%(n)d 条问题已转为事项。") % {"n": opened})
                return redirect("visits:detail", pk=visit.pk)
    return render(request, "visits/new.html", {"form": form, "findings": findings}, status=status)


@login_required
@require_GET
def visit_detail(request, pk: int):
    _staff(request)
    visit = selectors.visit_get(user=request.user, pk=pk)
    may_open = permits(request.user, visit, "change")
    findings = [(f, OpenItemForm(prefix=str(f.pk), initial={"kind": f.kind}) if may_open and not f.item_id else None)
                for f in visit.findings.select_related("item")]  # fmt: skip
    return render(request, "visits/detail.html", {"visit": visit, "findings": findings, "history": history_rows(visit)})


@login_required
@require_POST
def finding_open(request, pk: int):
    finding = get_object_or_404(Finding, pk=pk)  # the service refuses (403, logged) outside the scope
    form = OpenItemForm(request.POST, prefix=str(pk))
    if form.is_valid():
        item, status = service_call(form, lambda: services.finding_open_item(
            actor=request.user, finding=finding, category=form.cleaned_data["category"],
            kind=form.cleaned_data["kind"]))  # fmt: skip
        if item is not None:
            messages.success(request, _("已转为事项 %(number)s。") % {"number": item.number})
            return redirect("visits:detail", pk=finding.visit_id)
    for error in form.errors.values():
        messages.error(request, "；".join(error))
    return redirect("visits:detail", pk=finding.visit_id)


@login_required
@require_GET
def enterprise_options(request):
    """The enterprise field's suggestions (HTMX): a <datalist> of the user's enterprises."""
    _staff(request)
    found = selectors.enterprise_search(user=request.user, q=request.GET.get("enterprise", ""))
    return render(request, "visits/_enterprise_options.html", {"enterprises": found})


@login_required
@require_GET
def export(request, name: str, fmt: str):
    _staff(request)
    if fmt not in sheets.CONTENT_TYPES or name not in ("visits", "findings"):
        return HttpResponse(status=404)
    if name == "visits":
        qs = VisitFilterSet(request.GET or None, queryset=selectors.visit_list(user=request.user)).qs
        sheet = visit_sheet(qs=qs)
    else:
        qs = FindingFilterSet(request.GET or None, queryset=selectors.finding_list(user=request.user)).qs
        sheet = finding_sheet(qs=qs)
    return sheets.download(sheet, fmt)


@login_required
@require_GET
def coverage(request):
    """走访覆盖: the above-scale enterprises of the scope visited in a period, by division and by
    official, and those nobody has visited yet (exportable)."""
    _staff(request)
    form = WhereForm(request.GET or None)
    where = form.where(request.user)
    if where is None:
        return render(request, "visits/coverage.html", {"form": form}, status=400)
    division = Division.objects.get(path=where.division_path)
    args = {"user": request.user, "division": division, "start": where.start, "end": where.end}
    missing = selectors.not_visited(**args)
    if request.GET.get("export") in sheets.CONTENT_TYPES:
        fmt = request.GET["export"]
        sheet = not_visited_sheet(qs=missing)
        return sheets.download(sheet, fmt)
    return render(request, "visits/coverage.html", {
        "form": form, "where": where, "rows": selectors.coverage_by_division(**args),
        "officials": selectors.coverage_by_official(**args),
        "missing": Paginator(missing.select_related("division"), 50).get_page(request.GET.get("page"))})  # fmt: skip
