"""Who may see and act on which items, and who sees a submitter's phone and ID number.

Which items a user sees is declared on the model (``Item.scope``, ``org.actor.Scope``): read
through ``Item.objects.restrict(user, "view")`` and, for one item, ``permits(user, item)``. Acting
also needs the right role for the action (the state machine's), and for a department's actions,
the item's department."""

from core.privacy import masked_contact
from ledger.machine import HANDLERS, MACHINE, Action
from ledger.models import Item, Status
from ledger.submitters import Party, has_callable_submitter
from org.actor import actor_of, permits
from org.models import Role


def may_act(user, item: Item, action: str) -> bool:
    """Whether the role, the scope and the department allow this user the action (state aside)."""
    actor = actor_of(user)
    rule = MACHINE[action]
    if actor.role not in rule.roles or not permits(actor, item):
        return False
    if rule.roles <= HANDLERS:
        return actor.department is not None and actor.department.pk == item.department_id
    return True


def available_actions(user, item: Item) -> list[str]:
    """The actions this user may take on the item now: what pages and the API offer."""
    actor = actor_of(user)
    actions = [
        action
        for action, rule in MACHINE.items()
        if item.status in rule.sources and may_act(actor, item, action) and _guard(item, action)
    ]
    if Action.COMPLETE_MEASURE in actions and not item.measures.filter(done_at__isnull=True).exists():
        actions.remove(Action.COMPLETE_MEASURE)
    return actions


def _guard(item: Item, action: str) -> bool:
    if action == Action.SIGN_OFF and item.status == Status.RESOLVED:
        # Signed off without a callback only when nobody can be called back (all anonymous).
        return not has_callable_submitter(item)
    if action in (Action.APPROVE_EXTENSION, Action.REFUSE_EXTENSION):
        return item.pending_extension_due is not None
    if action == Action.REQUEST_EXTENSION:
        return item.pending_extension_due is None
    return True


# ---------------------------------------------------------------------------------------------
# The masking rule: one for pages, the API, the timeline, the merged submitters and the exports


def contact_rule(user, *, submitter_user_id: int | None, department_id: int | None) -> tuple[bool, bool]:
    """Whether ``user`` sees a submitter's phone and ID number whole: ``(phone, id_number)``.

    Call-takers and administrators (intake) see both; the handling department sees the phone to
    contact the submitter; a submitter sees their own, never another submitter's. Everyone else
    sees them masked (``core.privacy``)."""
    actor = actor_of(user)
    own = submitter_user_id is not None and actor.user_id == submitter_user_id
    intake = actor.role in (Role.CALL_TAKER, Role.ADMIN)
    handling = (
        actor.role == Role.HANDLER
        and department_id is not None
        and actor.department is not None
        and actor.department.pk == department_id
    )
    return own or intake or handling, own or intake


def item_contact_rule(user, item: Item) -> tuple[bool, bool]:
    """``contact_rule`` for the item's own submitter."""
    return contact_rule(user, submitter_user_id=item.submitter_user_id, department_id=item.department_id)


def submitter_contact(user, item: Item) -> dict[str, str]:
    """The item's own submitter's phone and ID number as this user may see them: whole or masked."""
    return masked_contact(item.submitter_phone, item.submitter_id_number, item_contact_rule(user, item))


def party_contact(user, item: Item, party: Party) -> dict[str, str]:
    """A submitter's phone and ID number (the item's own or a merged one's) as this user may see them."""
    rule = contact_rule(user, submitter_user_id=party.submitter_user_id, department_id=item.department_id)
    return masked_contact(party.phone, party.id_number, rule)


def merge_offer(user, item: Item, other: Item) -> dict | None:
    """How the page offers to merge two probable repeats: the later one (the repeat) into the earlier,
    when this user may merge both and neither is closed; None otherwise."""
    actor = actor_of(user)
    first, later = sorted((item, other), key=lambda i: (i.opened_at, i.pk))
    rule = MACHINE[Action.MERGE]
    if first.status not in rule.sources or later.status not in rule.sources:
        return None
    if not (may_act(actor, later, Action.MERGE) and may_act(actor, first, Action.MERGE)):
        return None
    return {"duplicate": later, "into": first}
