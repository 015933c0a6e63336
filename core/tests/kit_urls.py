"""Views for the permission kit's own tests (core/tests/test_testing.py): each one right or wrong in
a known way, so the tests can tell that the kit's cases pass and fail when they should."""

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseForbidden, HttpResponseNotFound
from django.urls import path

security_log = logging.getLogger("grassroots.security")
WRITES: list[str] = []  # the "events" these views write


def open_to_everybody(request):
    return HttpResponse("open")


@login_required
def guarded(request):
    """Members named "clerk" pass and write; "stranger" reads 404; anybody else 403, logged."""
    name = request.user.get_username()
    if name == "stranger" and request.method == "GET":
        raise Http404
    if name != "clerk":
        security_log.warning("refused guarded by %s", name)
        raise PermissionDenied
    if request.method == "POST":
        WRITES.append(name)
    return HttpResponse("ok")


@login_required
def refuses_silently(request):
    raise PermissionDenied


@login_required
def refuses_after_writing(request):
    WRITES.append(request.user.get_username())
    security_log.warning("refused by %s", request.user.get_username())
    raise PermissionDenied


def forbidden(request, exception=None):
    return HttpResponseForbidden("forbidden")


def not_found(request, exception=None):
    return HttpResponseNotFound("not found")


handler403, handler404 = forbidden, not_found
urlpatterns = [
    path("login/", open_to_everybody, name="login"),
    path("open/", open_to_everybody),
    path("guarded/", guarded),
    path("silent/", refuses_silently),
    path("leaky/", refuses_after_writing),
]
