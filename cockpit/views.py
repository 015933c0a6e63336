from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cockpit import selectors
from core.forms import attach_errors
from org.forms import WhereForm
from org.where import where_for


@login_required
@require_GET
def counts(request):
    """统计数据: every registered figure for a period and a division (or department) of the user's
    scope, each a link to the records behind it, with its definition."""
    form = WhereForm(request.GET or None)
    rows, where, status = [], None, 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        try:
            where = where_for(user=request.user, **{k: data.get(k) or None for k in ("start", "end")},
                                            division=data.get("division") or "",
                                            department=data.get("department") or "")  # fmt: skip
            rows = selectors.figure_rows(where=where)
        except ValidationError as e:
            attach_errors(form, e)
            status = 400
    return render(request, "cockpit/counts.html", {"form": form, "rows": rows, "where": where}, status=status)
