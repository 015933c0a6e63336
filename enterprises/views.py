"""The register's pages: the list with search, filters and export; one enterprise; the import."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRefresh

from core.exports import CONTENT_TYPES, download
from core.forms import tidy_filter_form
from enterprises import selectors, services
from enterprises.exports import register_sheet
from enterprises.filters import EnterpriseFilterSet
from enterprises.forms import ImportForm

security_log = logging.getLogger("grassroots.security")
PAGE_SIZE = 50
XLSX_MAX_ROWS = 100_000
IMPORT_SYNC_MAX_BYTES = 2 * 1024 * 1024  # about 10,000 rows of CSV


def _filterset(request):
    data = request.GET.copy()
    data.pop("page", None)
    filterset = EnterpriseFilterSet(data or None, queryset=selectors.enterprise_list(user=request.user))
    tidy_filter_form(filterset.form)
    return filterset


def _partial(request) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


@login_required
@require_GET
def register(request):
    filterset = _filterset(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": filterset.form,
        "page": page,
        "may_import": selectors.may_import(request.user),
    }
    template = "enterprises/register.html#results" if _partial(request) else "enterprises/register.html"
    return render(request, template, context)


@login_required
@require_GET
def register_export(request, fmt: str):
    if fmt not in CONTENT_TYPES:
        raise Http404
    if not selectors.may_view_register(request.user):
        security_log.warning("refused the register's export by %s", request.user.get_username())
        raise PermissionDenied(_("您无权导出市场主体名录。"))
    qs = _filterset(request).qs
    if fmt == "xlsx" and qs.count() > XLSX_MAX_ROWS:
        messages.error(request, _("超过 %(n)s 条的名录请导出为 CSV，或缩小筛选范围。") % {"n": f"{XLSX_MAX_ROWS:,}"})
        return redirect(f"{reverse('enterprises:register')}?{request.GET.urlencode()}")
    sheet = register_sheet(qs=qs)
    return download(sheet, fmt)


@login_required
@require_GET
def enterprise_detail(request, pk: int):
    enterprise = selectors.enterprise_get(user=request.user, pk=pk)
    context = {
        "enterprise": enterprise,
        "years": selectors.enterprise_years(enterprise=enterprise),
        "industry_chain": selectors.industry_chain(enterprise.industry),
        "division_chain": selectors.division_chain(enterprise.division),
    }
    return render(request, "enterprises/enterprise_detail.html", context)


@login_required
def register_import(request):
    if not selectors.may_import(request.user):
        security_log.warning("refused the register's import by %s", request.user.get_username())
        raise PermissionDenied(_("只有管理员可以导入市场主体名录。"))
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > import_sync_max_bytes():
                run = services.register_import_queue(upload=upload, actor=request.user)
                messages.info(request, _("文件较大，已转入后台导入；本页显示进度，完成后显示结果。"))
                return redirect("enterprises:import_run", pk=run.pk)
            run = services.register_import(file=upload, filename=upload.name, actor=request.user)
            messages.success(
                request,
                _("导入完成：新增 %(created)d，更新 %(updated)d，未变化 %(unchanged)d，错误 %(errors)d 行。")
                % {
                    "created": run.created,
                    "updated": run.updated,
                    "unchanged": run.unchanged,
                    "errors": run.error_rows,
                },
            )
            return redirect("enterprises:import_run", pk=run.pk)
        status = 400
    context = {"form": form, "runs": selectors.import_run_list(user=request.user)[:20], "columns": _column_help()}
    return render(request, "enterprises/import.html", context, status=status)


def import_sync_max_bytes() -> int:
    """Files up to this size are imported in the request; larger ones by the task worker."""
    return getattr(settings, "REGISTER_IMPORT_SYNC_MAX_BYTES", IMPORT_SYNC_MAX_BYTES)


@login_required
@require_GET
def import_run(request, pk: int):
    """One import's report; while a background import runs, its progress (HTMX polls it)."""
    run = selectors.import_run_get(user=request.user, pk=pk)
    if _partial(request) and request.GET.get("status"):
        if not run.pending:
            return HttpResponseClientRefresh()  # done: the whole page, with the report
        return render(request, "enterprises/import_run.html#status", {"run": run})
    page = Paginator(run.report, 200).get_page(request.GET.get("page"))
    return render(request, "enterprises/import_run.html", {"run": run, "page": page})


def _column_help() -> list[tuple[str, str, bool]]:
    return [(attr, names[0] if names else "", attr in services.REQUIRED) for attr, names in services.COLUMNS.items()]
