import csv
from pathlib import Path

from django.db import transaction

from core.history import created, record
from org.actor import require_actor
from org.models import Department, Division, Person, Role

DATA = Path(__file__).resolve().parent / "data"

# 泉州台商投资区 is a functional zone, not a GB/T 2260 division; it gets a code of our own.
FUNCTIONAL_ZONES = [("350500TS", "泉州台商投资区")]


def _read(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


@transaction.atomic
def divisions_load_reference() -> int:
    """Load Quanzhou's divisions (city, 12 county-level units, 175 townships, 2,573 villages and
    communities) and its functional zones. Running it again changes nothing. Returns rows created."""
    existing = set(Division.objects.values_list("code", flat=True))
    rows: list[tuple[str, str, str, str | None, str, str, str]] = []
    for r in _read("gbt2260_quanzhou_350500_divisions.csv"):
        level = Division.Level.CITY if r["level"] == "prefecture" else Division.Level.COUNTY
        parent = None if level == Division.Level.CITY else r["parent_code"]
        rows.append((r["code"], r["name"], level, parent, r["division_type"], r["longitude"], r["latitude"]))
    for code, name in FUNCTIONAL_ZONES:
        rows.append((code, name, Division.Level.ZONE, "350500", "功能区", "", ""))
    for r in _read("quanzhou_streets_towns_2023.csv"):
        rows.append((r["code"], r["name"], Division.Level.TOWNSHIP, r["county_code"], r["type"], "", ""))
    for r in _read("quanzhou_villages_communities_2023.csv"):
        kind = "社区" if r["name"].endswith(("社区居委会", "社区")) else "村"
        rows.append((r["code"], r["name"], Division.Level.VILLAGE, r["street_code"], kind, "", ""))
    return _divisions_create(rows, existing)


def _divisions_create(rows, existing: set[str]) -> int:
    by_code = {d.code: d for d in Division.objects.all()}
    created = 0
    for code, name, level, parent_code, kind, lon, lat in rows:  # parents come before children
        if code in existing:
            continue
        parent = by_code.get(parent_code) if parent_code else None
        path = (parent.path if parent else "") + code + "/"
        division = Division.objects.create(
            code=code,
            name=name,
            level=level,
            parent=parent,
            path=path,
            division_type=kind,
            longitude=lon or None,
            latitude=lat or None,
        )
        by_code[code] = division
        created += 1
    return created


@transaction.atomic
def division_add_grid(*, parent: Division, number: int, name: str) -> Division:
    """Add a grid cell (网格) under a village or community; its code is the parent's plus 3 digits."""
    code = f"{parent.code}{number:03d}"
    division, _ = Division.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "level": Division.Level.GRID,
            "parent": parent,
            "path": f"{parent.path}{code}/",
            "division_type": "网格",
        },
    )
    return division


def department_create(
    *, code: str, name: str, division: Division, actor, email: str = "", reason: str = ""
) -> Department:
    """The department with ``code``, created (and recorded, naming ``actor``) when it does not exist."""
    require_actor(actor)
    with transaction.atomic():
        department, made = Department.objects.get_or_create(
            code=code, defaults={"name": name, "division": division, "email": email}
        )
        if made:
            record(department, actor=actor, action="create", reason=reason, changes=created(department))
    return department


def person_create(
    *,
    username: str,
    password: str,
    name: str,
    role: Role,
    division: Division,
    department: Department | None = None,
    rank: str = "",
    title: str = "",
    email: str = "",
    phone: str = "",
) -> Person:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user = User.objects.create_user(
        username=username, password=password, email=email, is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN
    )
    return Person.objects.create(
        user=user, name=name, role=role, division=division, department=department, rank=rank, title=title, phone=phone
    )
