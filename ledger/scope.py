"""Who may see and act on which items.

A user sees the items of their division subtree (call-takers, leaders, auditors, administrators),
of their department (handlers), those they first received (首接首办) or sponsor (领导包保), and a
submitter those they submitted (or asked in a repeat merged into them). Acting also needs the
right role for the action, and for a department's actions, the item's department."""

from django.db.models import Q

from core.privacy import mask_id_number, mask_phone
from ledger.machine import HANDLERS, MACHINE, Action
from ledger.models import Item, ItemSubmitter, Status
from ledger.submitters import Party, has_callable_submitter
from org.models import Person, Role
from org.selectors import person_of


def visible_q(person: Person | None) -> Q:
    if person is None:
        return Q(pk__in=[])
    user_id = person.user_id
    own = Q(first_receiver_id=user_id) | Q(sponsor_id=user_id) | Q(submitter_user_id=user_id)
    if person.role == Role.SUBMITTER:
        merged = ItemSubmitter.objects.filter(submitter_user_id=user_id).values("item_id")
        return Q(submitter_user_id=user_id) | Q(pk__in=merged)
    if person.role == Role.HANDLER:
        return own | Q(department_id=person.department_id) if person.department_id else own
    return own | Q(division_path__startswith=person.division.path)


def item_is_visible(person: Person | None, item: Item) -> bool:
    if person is None:
        return False
    if person.user_id in (item.first_receiver_id, item.sponsor_id, item.submitter_user_id):
        return True
    if person.role == Role.SUBMITTER:
        return ItemSubmitter.objects.filter(item_id=item.pk, submitter_user_id=person.user_id).exists()
    if person.role == Role.HANDLER:
        return person.department_id is not None and item.department_id == person.department_id
    return item.division_path.startswith(person.division.path)


def may_act(person: Person | None, item: Item, action: str) -> bool:
    """Whether the role, the scope and the department allow this person the action (state aside)."""
    if person is None or not item_is_visible(person, item):
        return False
    rule = MACHINE[action]
    if person.role not in rule.roles:
        return False
    if rule.roles <= HANDLERS:
        return person.department_id is not None and person.department_id == item.department_id
    return True


def available_actions(user, item: Item) -> list[str]:
    """The actions this user may take on the item now: what pages and the API offer."""
    person = person_of(user)
    actions = [
        action
        for action, rule in MACHINE.items()
        if item.status in rule.sources and may_act(person, item, action) and _guard(item, action)
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


def sees_phone(person: Person | None, item: Item) -> bool:
    """Call-takers and administrators call submitters back; the handling department contacts them."""
    if person is None:
        return False
    if person.role in (Role.CALL_TAKER, Role.ADMIN) or person.user_id == item.submitter_user_id:
        return True
    return person.role == Role.HANDLER and person.department_id == item.department_id


def sees_id_number(person: Person | None, item: Item) -> bool:
    """Only intake (call-takers, administrators) needs a resident's ID number."""
    if person is None:
        return False
    return person.role in (Role.CALL_TAKER, Role.ADMIN) or person.user_id == item.submitter_user_id


def submitter_contact(user, item: Item) -> dict[str, str]:
    """The submitter's phone and ID number as this user may see them: whole or masked."""
    person = person_of(user)
    phone, id_number = item.submitter_phone, item.submitter_id_number
    return {
        "phone": phone if sees_phone(person, item) else mask_phone(phone),
        "id_number": id_number if sees_id_number(person, item) else mask_id_number(id_number),
    }


def party_contact(user, item: Item, party: Party) -> dict[str, str]:
    """A submitter's phone and ID number (the item's own or a merged one's) as this user may see them:
    by role as for the item's own submitter, and whole to that submitter alone, never to the others."""
    person = person_of(user)
    own = person is not None and party.submitter_user_id is not None and person.user_id == party.submitter_user_id
    role = getattr(person, "role", None)
    intake = role in (Role.CALL_TAKER, Role.ADMIN)
    handling = role == Role.HANDLER and item.department_id is not None and person.department_id == item.department_id
    phone = own or intake or handling
    id_number = own or intake
    return {
        "phone": party.phone if phone else mask_phone(party.phone),
        "id_number": party.id_number if id_number else mask_id_number(party.id_number),
    }


def merge_offer(user, item: Item, other: Item) -> dict | None:
    """How the page offers to merge two probable repeats: the later one (the repeat) into the earlier,
    when this user may merge both and neither is closed; None otherwise."""
    person = person_of(user)
    first, later = sorted((item, other), key=lambda i: (i.opened_at, i.pk))
    rule = MACHINE[Action.MERGE]
    if first.status not in rule.sources or later.status not in rule.sources:
        return None
    if not (may_act(person, later, Action.MERGE) and may_act(person, first, Action.MERGE)):
        return None
    return {"duplicate": later, "into": first}
