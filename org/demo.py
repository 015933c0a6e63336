"""The organisation's demo: Quanzhou's real divisions with a few grid cells, the city's, counties'
and townships' departments, and demo logins in every role (password ``PASSWORD``), with one handler
for every department. A step of ``manage.py load_demo`` (core.demo); idempotent: divisions and
departments are matched by code, logins by username."""

import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from faker import Faker

from core.demo import DemoOptions, Output
from core.validators import normalize_phone
from org.actor import SYSTEM
from org.models import Department, Division, Person, Rank, Role
from org.services import department_create, division_add_grid, divisions_load_reference, person_create

PASSWORD = "grassroots-demo"
CITY = "350500"
# Department kinds: (suffix, city name, county name pattern)
CITY_DEPARTMENTS = [
    ("GXJ", "市工信局"),
    ("SWJ", "市商务局"),
    ("ZJJ", "市住建局"),
    ("RSJ", "市人社局"),
    ("SJJ", "市市场监管局"),
    ("STHJ", "市生态环境局"),
    ("ZRZY", "市自然资源局"),
    ("SJGL", "市数据管理局（12345中心）"),
    ("CGJ", "市城管局"),
    ("JYJ", "市教育局"),
    ("WJJ", "市卫健委"),
    ("SFJ", "市司法局"),
    ("WLJ", "市文旅局"),
]
COUNTY_DEPARTMENTS = [
    ("ZJJ", "住建局"),
    ("RSJ", "人社局"),
    ("SJJ", "市场监管局"),
    ("GXJ", "工信局"),
    ("CGJ", "城管局"),
    ("STHJ", "生态环境局"),
    ("ZRZY", "自然资源局"),
    ("JYJ", "教育局"),
    ("WJJ", "卫健局"),
    ("SFJ", "司法局"),
]
# The counties with their own departments and call-takers: code, login prefix, townships with an office.
COUNTIES = [
    ("350502", "lc", [("350502001", "haibin"), ("350502004", "kaiyuan")]),
    ("350503", "fz", [("350503007", "donghai")]),
    ("350582", "jj", [("350582001", "qingyang"), ("350582103", "chendai")]),
    ("350583", "na", [("350583001", "ximei"), ("350583119", "shuitou")]),
]
PREFIXES = {county: prefix for county, prefix, _townships in COUNTIES}


def load(options: DemoOptions, out: Output) -> None:
    started = time.monotonic()
    faker = Faker("zh_CN")
    faker.seed_instance(options.seed)
    with transaction.atomic():
        created = {
            "divisions": divisions_load_reference(),
            "grid cells": _grids(),
            "departments": _departments(),
            "logins": _people(faker),
        }
    made = ", ".join(f"{n} {what}" for what, n in created.items() if n)
    out.write(f"org: created {made or 'nothing new'} in {time.monotonic() - started:.1f} s")
    base = options.base_url.rstrip("/")
    out.write("")
    out.success(f"Log in at {base}/login/   (admin: {base}/admin/, API docs: {base}/api/docs/)")
    out.write(f"Every demo login has the password: {PASSWORD}")
    out.write("")
    shown, others = _login_table()
    width = max((len(u) for u, _r, _s in shown), default=0) + 2
    out.write(f"  {'username'.ljust(width)}{_pad('role', 12)}scope")
    for username, role, scope in shown:
        out.write(f"  {username.ljust(width)}{_pad(role, 12)}{scope}")
    if others:
        names = ", ".join(u for u, _s in others)
        out.write(f"  and one handler (承办人) for every other department: {names}")


def _pad(text: str, width: int) -> str:
    """Pad for a terminal, where a Chinese character takes two columns."""
    columns = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return text + " " * max(1, width - columns)


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    division: str  # code
    department: str = ""  # code
    rank: str = ""
    title: str = ""
    show: bool = True  # listed in the printed table


def logins() -> list[Login]:
    logins = [
        Login("admin", Role.ADMIN, CITY, title="系统管理员"),
        Login("city_calltaker", Role.CALL_TAKER, CITY, f"{CITY}-SJGL", title="市12345中心受理派单员"),
        Login("city_leader", Role.LEADER, CITY, rank=Rank.BUREAU, title="市领导（挂钩联系企业）"),
        Login("city_auditor", Role.AUDITOR, CITY, title="市委督查室督查员"),
        Login("calltaker", Role.CALL_TAKER, "350502", title="鲤城区12345分中心受理派单员"),
        Login("handler", Role.HANDLER, "350502", "350502-ZJJ", Rank.STAFF, "鲤城区住建局承办人"),
        Login("leader", Role.LEADER, "350502", rank=Rank.COUNTY, title="鲤城区副区长"),
        Login("auditor", Role.AUDITOR, "350502", title="鲤城区委督查室督查员"),
        Login("resident", Role.SUBMITTER, "350502001001", title="群众"),
        Login("jj_calltaker", Role.CALL_TAKER, "350582", title="晋江市12345分中心受理派单员"),
        Login("jj_handler", Role.HANDLER, "350582", "350582-ZJJ", Rank.STAFF, "晋江市住建局承办人"),
        Login("jj_leader", Role.LEADER, "350582", rank=Rank.COUNTY, title="晋江市副市长"),
        Login("fz_calltaker", Role.CALL_TAKER, "350503", title="丰泽区12345分中心受理派单员"),
        Login("fz_leader", Role.LEADER, "350503", rank=Rank.COUNTY, title="丰泽区副区长"),
        Login("na_calltaker", Role.CALL_TAKER, "350583", title="南安市12345分中心受理派单员"),
        Login("na_leader", Role.LEADER, "350583", rank=Rank.COUNTY, title="南安市副市长"),
    ]
    taken = {(x.department) for x in logins if x.department and x.role == Role.HANDLER}
    for suffix, name in CITY_DEPARTMENTS:
        code = f"{CITY}-{suffix}"
        if code not in taken:
            logins.append(Login(f"city_{suffix.lower()}", Role.HANDLER, CITY, code, Rank.STAFF, f"{name}承办人", False))
    for county, prefix, townships in COUNTIES:
        for suffix, _name in COUNTY_DEPARTMENTS:
            code = f"{county}-{suffix}"
            if code not in taken:
                logins.append(
                    Login(f"{prefix}_{suffix.lower()}", Role.HANDLER, county, code, Rank.STAFF, "承办人", False)
                )
        for township, slug in townships:
            logins.append(
                Login(f"{prefix}_{slug}", Role.HANDLER, township, f"{township}-JDB", Rank.STAFF, "承办人", False)
            )
    return logins


def _grids() -> int:
    """Two or three grid cells (网格) under a handful of communities."""
    created = 0
    for township in ("350502001", "350502004", "350503007", "350582001"):
        communities = Division.objects.filter(
            parent__code=township, level=Division.Level.VILLAGE, division_type="社区"
        ).order_by("code")[:2]
        for community in communities:
            for number in (1, 2, 3):
                code = f"{community.code}{number:03d}"
                if not Division.objects.filter(code=code).exists():
                    name = f"{short_name(community.name)}第{number}网格"
                    division_add_grid(parent=community, number=number, name=name)
                    created += 1
    return created


def _departments() -> int:
    before = Department.objects.count()
    divisions = {d.code: d for d in Division.objects.filter(level__in=["city", "county", "township"])}
    for suffix, name in CITY_DEPARTMENTS:
        department_create(code=f"{CITY}-{suffix}", name=name, division=divisions[CITY], actor=SYSTEM)
    for county, _prefix, townships in COUNTIES:
        division = divisions[county]
        for suffix, name in COUNTY_DEPARTMENTS:
            department_create(code=f"{county}-{suffix}", name=f"{division.name}{name}", division=division, actor=SYSTEM)
        for township, _slug in townships:
            town = divisions[township]
            office = "人民政府" if town.name.endswith(("镇", "乡")) else "办事处"
            department_create(
                code=f"{township}-JDB", name=f"{division.name}{town.name}{office}", division=town, actor=SYSTEM
            )
    return Department.objects.count() - before


def _people(faker: Faker) -> int:
    User = get_user_model()
    existing = set(User.objects.values_list("username", flat=True))
    divisions = {d.code: d for d in Division.objects.filter(level__in=["city", "county", "township", "village"])}
    departments = {d.code: d for d in Department.objects.all()}
    made = []
    for login in logins():
        if login.username in existing:
            continue
        department = departments.get(login.department) if login.department else None
        title = login.title if login.title != "承办人" else f"{department.name}承办人"
        person = person_create(
            username=login.username,
            password=None,  # hashed once below: one PBKDF2 run instead of one per login
            name=faker.name(),
            role=login.role,
            division=divisions[login.division],
            department=department,
            rank=login.rank,
            title=title,
            email=f"{login.username}@example.org",
            phone=mobile(faker),
        )
        made.append(person.user_id)
    if made:
        User.objects.filter(pk__in=made).update(password=make_password(PASSWORD))
    return len(made)


def _login_table() -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    qs = Person.objects.select_related("user", "division", "department")
    people = {p.user.username: p for p in qs.filter(user__username__in=[x.username for x in logins()])}
    shown, others = [], []
    for login in logins():
        person = people.get(login.username)
        if person is None:
            continue
        scope = person.department.name if person.department else person.division.name
        if login.role == Role.ADMIN:
            scope += "（全市，超级用户）"
        if login.show:
            shown.append((login.username, Role(login.role).label, scope))
        else:
            others.append((login.username, scope))
    return shown, others


def mobile(faker: Faker) -> str:
    for _ in range(50):
        try:
            return normalize_phone(faker.phone_number())
        except ValidationError:
            continue
    return "13859900000"


def short_name(name: str) -> str:
    """金山社区居委会 → 金山社区, 霞美村委会 → 霞美村."""
    return name.removesuffix("居委会").removesuffix("委会")
