"""A cast for tests: two counties, their departments and people in every role.

cast = make_cast()
cast.call_taker      # 鲤城区 call-taker/dispatcher
cast.handler         # handler of 鲤城区住建局
cast.other_handler   # handler of 丰泽区住建局 (another county: out of scope)
"""

from dataclasses import dataclass

from django.contrib.auth.models import User

from ledger.models import Category
from org.models import Department, Division, Role
from org.services import person_create

PASSWORD = "pass-for-tests-1"


def _division(code, name, level, parent=None):
    path = (parent.path if parent else "") + code + "/"
    return Division.objects.create(code=code, name=name, level=level, parent=parent, path=path)


@dataclass
class Cast:
    city: Division
    county: Division
    other_county: Division
    township: Division
    village: Division
    other_village: Division
    department: Department
    other_department: Department
    city_department: Department
    category: Category
    call_taker: User
    handler: User
    leader: User
    auditor: User
    admin: User
    submitter: User
    other_call_taker: User
    other_handler: User
    other_leader: User
    city_call_taker: User


def make_cast() -> Cast:
    city = _division("350500", "泉州市", Division.Level.CITY)
    county = _division("350502", "鲤城区", Division.Level.COUNTY, city)
    other_county = _division("350503", "丰泽区", Division.Level.COUNTY, city)
    township = _division("350502001", "海滨街道", Division.Level.TOWNSHIP, county)
    village = _division("350502001001", "金山社区居委会", Division.Level.VILLAGE, township)
    other_township = _division("350503001", "东海街道", Division.Level.TOWNSHIP, other_county)
    other_village = _division("350503001001", "东海社区", Division.Level.VILLAGE, other_township)
    department = Department.objects.create(code="350502-ZJ", name="鲤城区住建局", division=county, email="zj@lc.test")
    other_department = Department.objects.create(code="350503-ZJ", name="丰泽区住建局", division=other_county)
    city_department = Department.objects.create(code="350500-GXJ", name="市工信局", division=city)
    parent = Category.objects.create(code="01", name="城乡建设")
    category = Category.objects.create(code="0101", name="道路维修", parent=parent)

    def person(username, role, division, dept=None, **kw):
        return person_create(
            username=username,
            password=PASSWORD,
            name=username,
            role=role,
            division=division,
            department=dept,
            email=f"{username}@example.test",
            **kw,
        ).user

    return Cast(
        city=city,
        county=county,
        other_county=other_county,
        township=township,
        village=village,
        other_village=other_village,
        department=department,
        other_department=other_department,
        city_department=city_department,
        category=category,
        call_taker=person("calltaker", Role.CALL_TAKER, county),
        handler=person("handler", Role.HANDLER, county, department),
        leader=person("leader", Role.LEADER, county, rank="county"),
        auditor=person("auditor", Role.AUDITOR, county),
        admin=person("admin", Role.ADMIN, city),
        submitter=person("resident", Role.SUBMITTER, village),
        other_call_taker=person("other_calltaker", Role.CALL_TAKER, other_county),
        other_handler=person("other_handler", Role.HANDLER, other_county, other_department),
        other_leader=person("other_leader", Role.LEADER, other_county),
        city_call_taker=person("city_calltaker", Role.CALL_TAKER, city),
    )


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page, as a user would, and land on 我的事项."""
    from playwright.sync_api import expect

    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的事项")).to_be_visible()
