"""The acting principal and the one scope rule (NetBox's ``restrict(user, action)``).

Every app asks two questions: *who is acting* and *which rows may they see or change*. Both are
answered here, once:

- ``actor_of(user)`` resolves the principal once per user object: person, role, working division,
  department, superuser. The **working division** of a handler is their department's division;
  everybody else works in their own division.
- **The superuser rule.** A superuser acts as an administrator (管理员): with a person, over that
  person's division; without a person, over the whole city. Nothing else about superusers is special.
- ``SYSTEM`` is the explicit actor of work nobody started by hand (the reconcile run, recomputes,
  the demo). Services that record a change take an actor and refuse ``None``.
- A model declares its scope with ``scope = Scope(...)`` and its manager ``RestrictedQuerySet``;
  ``Model.objects.restrict(user, action)`` then returns exactly the rows the user may see (action
  ``"view"``) or act on (any other action), and ``permits(user, obj, action)`` answers for one row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q

from org.models import Department, Division, Person, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

STAFF_ROLES = frozenset({Role.CALL_TAKER, Role.HANDLER, Role.LEADER, Role.AUDITOR, Role.ADMIN})
VIEW = "view"


@dataclass(frozen=True)
class Actor:
    """Who is acting: resolved once from a user (``actor_of``), or ``SYSTEM``."""

    user: AbstractBaseUser | None
    person: Person | None
    role: str | None
    division: Division | None
    department: Department | None
    is_superuser: bool = False
    is_system: bool = False

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None)

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def label(self) -> str:
        if self.is_system:
            return "系统"
        if self.person is not None:
            return self.person.name
        return getattr(self.user, "username", "") or ""

    def within(self, division: Division | None) -> bool:
        """Whether ``division`` lies in this actor's working division (the subtree); the system acts
        everywhere."""
        if self.is_system:
            return division is not None
        if division is None or self.division is None:
            return False
        return division.path.startswith(self.division.path)


ANONYMOUS = Actor(user=None, person=None, role=None, division=None, department=None)
SYSTEM = Actor(user=None, person=None, role=Role.ADMIN, division=None, department=None, is_system=True)


def _city() -> Division | None:
    return Division.objects.filter(level=Division.Level.CITY).order_by("code").first()


def actor_of(user: AbstractBaseUser | Actor | None) -> Actor:
    """The acting principal of ``user`` (cached on the user object for the request)."""
    if isinstance(user, Actor):
        return user
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_grassroots_actor", None)
    if cached is not None:
        return cached
    person = _person_of(user)
    superuser = bool(getattr(user, "is_superuser", False))
    if person is None:
        actor = Actor(user, None, Role.ADMIN, _city(), None, True) if superuser else Actor(user, None, None, None, None)
    else:
        role = Role.ADMIN if superuser else person.role
        department = person.department
        division = department.division if role == Role.HANDLER and department is not None else person.division
        actor = Actor(user, person, role, division, department, superuser)
    user._grassroots_actor = actor
    return actor


def _person_of(user) -> Person | None:
    """The user's person, shared with ``user.person``: read once per user object, whichever asks first."""
    related = getattr(user.__class__, "person", None)  # __class__: also through a lazy request.user
    related = getattr(related, "related", None)  # the reverse one-to-one of Person.user
    if related is not None and related.is_cached(user):
        return related.get_cached_value(user)
    try:
        person = Person.objects.select_related("division", "department__division").get(user_id=user.pk)
    except Person.DoesNotExist:
        person = None
    if related is not None:
        related.set_cached_value(user, person)
    return person


def require_actor(actor: Any) -> Actor:
    """The actor of a write: a user or ``SYSTEM``; ``None`` is refused (every change names its actor)."""
    if actor is None:
        raise ValueError("every write names its actor: pass a user or org.actor.SYSTEM")
    return actor_of(actor)


def user_of(actor: Any):
    """The user to store as the actor of a row (None for the system)."""
    resolved = actor_of(actor) if actor is not None else None
    return None if resolved is None or resolved.is_system else resolved.user


# ---------------------------------------------------------------------------------------------
# The scope declaration


@dataclass(frozen=True)
class Scope:
    """How a model's rows are scoped.

    - ``division``: the lookup to the row's division path (``"division_path"`` or ``"division__path"``);
      staff see the rows of their working division's subtree (None: every staff member sees all).
    - ``department``: the lookup to the row's department id; a handler with a department sees the rows of
      their department instead of their division's (None: handlers are scoped by division like others).
    - ``people``: user lookups that always see the row (the first receiver, the sponsor…).
    - ``members``: user lookups for submitters (residents, enterprise users): their own rows only.
    - ``roles``: per action, the roles that may take it on rows in their scope (``"view"`` defaults to staff).
    """

    division: str | None = None
    department: str | None = None
    people: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    roles: dict[str, frozenset[str]] = field(default_factory=dict)

    def roles_for(self, action: str) -> frozenset[str]:
        if action in self.roles:
            return self.roles[action]
        return STAFF_ROLES if action == VIEW else frozenset({Role.ADMIN})


def _user_q(model, lookup: str, user_id: int) -> Q:
    if "__" in lookup:  # a multi-valued relation: a subquery, so the rows are not repeated
        return Q(pk__in=model._default_manager.filter(**{lookup: user_id}).values("pk"))
    return Q(**{lookup: user_id})


def scope_q(model, user, action: str = VIEW) -> Q:
    """The filter of the rows of ``model`` that ``user`` may see or act on."""
    scope: Scope = model.scope
    actor = actor_of(user)
    if actor.user is None:
        return Q(pk__in=[])
    parts: list[Q] = [_user_q(model, lookup, actor.user_id) for lookup in scope.people]
    if actor.role == Role.SUBMITTER or actor.role is None:
        if actor.role == Role.SUBMITTER and _members_may(scope, action):
            parts += [_user_q(model, lookup, actor.user_id) for lookup in scope.members]
        return _any(parts)
    if actor.role in scope.roles_for(action):
        parts.append(_staff_q(scope, actor))
    return _any(parts)


def _members_may(scope: Scope, action: str) -> bool:
    """Submitters see their own rows; they act on them only where the scope gives the action to them."""
    return action == VIEW or Role.SUBMITTER in scope.roles_for(action)


def _any(parts: list[Q]) -> Q:
    """The rows any of ``parts`` lets through. An empty ``Q()`` lets every row through (``Q(pk__in=[]) | Q()``
    would be "nothing": Django drops an empty operand)."""
    if not parts:
        return Q(pk__in=[])
    if any(not part for part in parts):
        return Q()
    return reduce(or_, parts)


def _staff_q(scope: Scope, actor: Actor) -> Q:
    if scope.department and actor.role == Role.HANDLER:  # a handler without a department: none but their own
        return Q(**{scope.department: actor.department.pk}) if actor.department is not None else Q(pk__in=[])
    if scope.division is None or actor.division is None:
        return Q() if scope.division is None else Q(pk__in=[])
    if actor.division.level == Division.Level.CITY:
        return Q()
    return Q(**{f"{scope.division}__startswith": actor.division.path})


def permits(user, obj: models.Model, action: str = VIEW) -> bool:
    """Whether ``user`` may see (``"view"``) or take ``action`` on ``obj``: ``restrict`` for one row,
    evaluated on the instance when its lookups are plain attributes (no query), else in the database."""
    model = type(obj)
    scope: Scope = model.scope
    actor = actor_of(user)
    if actor.user is None:
        return False
    lookups = (scope.division, scope.department, *scope.people)
    if actor.role == Role.SUBMITTER:
        lookups += scope.members  # only a submitter's answer may need the multi-valued lookups
    if any(lookup and "__" in lookup for lookup in lookups):
        return model._default_manager.filter(scope_q(model, user, action), pk=obj.pk).exists()
    if any(getattr(obj, _attname(model, lookup)) == actor.user_id for lookup in scope.people):
        return True
    if actor.role == Role.SUBMITTER:
        members = (getattr(obj, _attname(model, lookup)) == actor.user_id for lookup in scope.members)
        return _members_may(scope, action) and any(members)
    if actor.role is None or actor.role not in scope.roles_for(action):
        return False
    if scope.department and actor.role == Role.HANDLER:
        return actor.department is not None and getattr(obj, _attname(model, scope.department)) == actor.department.pk
    if scope.division is None:
        return True
    if actor.division is None:
        return False
    return (getattr(obj, scope.division) or "").startswith(actor.division.path)


def _attname(model, lookup: str) -> str:
    try:
        return model._meta.get_field(lookup).attname
    except FieldDoesNotExist:  # a plain attribute such as "department_id"
        return lookup


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        """The rows ``user`` may see (``"view"``) or take ``action`` on, by the model's ``scope``."""
        return self.filter(scope_q(self.model, user, action))


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)


def division_codes(division: Division) -> list[str]:
    """The codes from the city down to ``division`` (its ancestors and itself)."""
    return [code for code in division.path.strip("/").split("/") if code]
