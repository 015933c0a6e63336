from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cockpit import selectors
from org.forms import WhereForm


@login_required
@require_GET
def counts(request):
    """统计数据: every registered figure for a period and a division (or department) of the user's
    scope, each a link to the records behind it, with its definition."""
    form = WhereForm(request.GET or None)
    where = form.where(request.user)
    rows = selectors.figure_rows(where=where) if where else []
    status = 200 if where else 400
    return render(request, "cockpit/counts.html", {"form": form, "rows": rows, "where": where}, status=status)
