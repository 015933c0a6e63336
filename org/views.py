"""Pages of org: the interface language switch (a person's language is kept on their record)."""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from org.selectors import person_of


@require_POST
def set_language(request):
    """Switch the interface language for this session and, when signed in, for the user."""
    language = request.POST.get("language", "")
    if language in {code for code, _ in settings.LANGUAGES}:
        request.session["language"] = language
        person = person_of(request.user)
        if person is not None and person.language != language:
            person.language = language
            person.save(update_fields=["language"])
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)
