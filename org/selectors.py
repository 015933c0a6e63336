from django.db.models import QuerySet

from org.models import Department, Division, Person, Role


def division_subtree(*, division: Division) -> QuerySet[Division]:
    return Division.objects.filter(path__startswith=division.path)


def division_get_by_code(*, code: str) -> Division | None:
    return Division.objects.filter(code=code).first()


def departments_for_division(*, division: Division) -> QuerySet[Department]:
    """Departments that may handle an item located in ``division``: those of the division or above."""
    codes = [c for c in division.path.strip("/").split("/") if c]
    return Department.objects.filter(division__code__in=codes, active=True)


def person_of(user) -> Person | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.person
    except Person.DoesNotExist:
        return None


def people_with_role(*, role: Role, division: Division | None = None) -> QuerySet[Person]:
    qs = Person.objects.filter(role=role).select_related("user")
    if division is not None:
        qs = qs.filter(division__path__startswith=division.path)
    return qs
