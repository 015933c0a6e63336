"""Search in either script, the pages and the API, and who sees what: staff their division's
subtree, an enterprise user only their own enterprise, the import for administrators only."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.filters import EnterpriseFilterSet
from enterprises.models import Enterprise, ImportRun
from enterprises.selectors import enterprise_list
from enterprises.services import enterprise_link_user, register_import
from enterprises.tests.conftest import code

pytestmark = pytest.mark.django_db

A = code("350502", "11111111X")  # 鲤城区
B = code("350503", "22222222X")  # 丰泽区
FILE = (
    "统一社会信用代码,企业名称,行业代码,区划代码,标签,2024年营业收入\n"
    f"{A},泉州市鸿达鞋业有限公司,C1951,350502001,外贸出口,1000\n"
    f"{B},豐澤區瑞信茶業有限公司,C1530,350503001,,\n"
)


@pytest.fixture
def firms(register):
    run = register_import(file=FILE.encode(), filename="a.csv")
    assert run.created == 2, run.report
    return Enterprise.objects.get(credit_code=A), Enterprise.objects.get(credit_code=B)


def search(user, **params):
    qs = enterprise_list(user=user)
    return set(EnterpriseFilterSet(params, queryset=qs).qs.values_list("credit_code", flat=True))


def test_a_traditional_query_finds_a_simplified_name_and_back(register, firms):
    admin = register.admin
    assert search(admin, q="鴻達鞋業") == {A}
    assert search(admin, q="瑞信茶业") == {B}
    assert search(admin, q="瑞信茶業") == {B}
    assert search(admin, q="有限公司") == {A, B}


def test_search_by_code_industry_division_and_tag(register, firms):
    admin = register.admin
    assert search(admin, q=A[:10].lower()) == {A}
    assert search(admin, industry="C19") == {A}
    assert search(admin, industry="C") == {A, B}
    assert search(admin, industry="153") == {B}
    assert search(admin, division="350503") == {B}
    assert search(admin, division="350500") == {A, B}
    assert search(admin, division="999999") == set()
    assert search(admin, tag="外贸出口") == {A}


def test_staff_see_their_division_and_an_enterprise_user_only_their_own(register, firms):
    a, b = firms
    assert search(register.call_taker) == {A}  # 鲤城区 staff
    assert search(register.other_handler) == {B}  # 丰泽区 staff
    assert search(register.admin) == {A, B}  # the city
    assert search(register.submitter) == set()
    enterprise_link_user(enterprise=a, user=register.submitter)
    assert search(register.submitter) == {A}


def test_the_pages_render_and_stay_in_scope(client, register, firms):
    a, b = firms
    client.force_login(register.call_taker)
    page = client.get(reverse("enterprises:register"))
    assert page.status_code == 200 and "泉州市鸿达鞋业有限公司" in page.text and "瑞信" not in page.text
    partial = client.get(reverse("enterprises:register") + "?q=鴻達", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.text and "鸿达" in partial.text
    detail = client.get(reverse("enterprises:detail", args=[a.pk]))
    assert detail.status_code == 200 and A in detail.text and "1000.00" in detail.text and "C1951" in detail.text
    assert client.get(reverse("enterprises:detail", args=[b.pk])).status_code == 404
    assert client.get(reverse("enterprises:import")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, firms):
    for url in (reverse("enterprises:register"), reverse("enterprises:import")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get("/api/enterprises/").status_code in (401, 403)


def test_an_enterprise_user_sees_their_own_enterprise_only(client, register, firms):
    a, b = firms
    enterprise_link_user(enterprise=a, user=register.submitter)
    client.force_login(register.submitter)
    assert client.get(reverse("enterprises:detail", args=[a.pk])).status_code == 200
    assert client.get(reverse("enterprises:detail", args=[b.pk])).status_code == 404
    assert client.get(reverse("enterprises:export", args=["csv"])).status_code == 403


def test_the_export_holds_what_the_page_lists(client, register, firms):
    client.force_login(register.admin)
    response = client.get(reverse("enterprises:export", args=["csv"]) + "?industry=C19")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff统一社会信用代码") and A in text and B not in text and "2024营业收入" in text
    response = client.get(reverse("enterprises:export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert codes == {A, B}


def test_an_administrator_imports_a_file_on_the_page_and_sees_the_report(client, register):
    client.force_login(register.admin)
    assert client.get(reverse("enterprises:import")).status_code == 200
    bad = FILE + f"{A[:17]}{'0' if A[17] != '0' else '1'},坏行,C1951,,,\n"
    upload = io.BytesIO(bad.encode("gbk"))
    upload.name = "名录.csv"
    response = client.post(reverse("enterprises:import"), {"file": upload})
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("enterprises:import_run", args=[run.pk])
    report = client.get(response["Location"])
    assert report.status_code == 200 and "校验位错误" in report.text and "坏行" in report.text
    assert Enterprise.objects.count() == 2 and run.actor == register.admin
    wrong = io.BytesIO(b"x")
    wrong.name = "a.pdf"
    assert client.post(reverse("enterprises:import"), {"file": wrong}).status_code == 400


def test_the_api_lists_searches_and_shows_within_scope(client, register, firms):
    a, b = firms
    client.force_login(register.call_taker)
    body = client.get("/api/enterprises/?q=鴻達").json()
    assert body["count"] == 1 and body["results"][0]["credit_code"] == A
    assert body["results"][0]["industry_code"] == "C1951" and body["results"][0]["tags"] == ["外贸出口"]
    detail = client.get(f"/api/enterprises/{a.pk}/").json()
    assert detail["years"][0]["year"] == 2024 and detail["years"][0]["revenue"] == "1000.00"
    assert client.get(f"/api/enterprises/{b.pk}/").status_code == 404


def test_the_api_import_answers_with_the_report_and_only_administrators_may_import(client, register):
    client.force_login(register.call_taker)
    upload = io.BytesIO(FILE.encode())
    upload.name = "a.csv"
    assert client.post("/api/enterprises/import/", {"file": upload}).status_code == 403
    client.force_login(register.admin)
    upload = io.BytesIO((FILE + "X,坏行,C1951,,,\n").encode())
    upload.name = "a.csv"
    response = client.post("/api/enterprises/import/", {"file": upload})
    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["error_rows"]) == (2, 1)
    assert body["report"][0]["row"] == 4 and "18位" in body["report"][0]["reasons"][0]
    assert client.get(f"/api/enterprise-imports/{body['id']}/").json()["created"] == 2
    missing = client.post("/api/enterprises/import/", {})
    assert missing.status_code == 400 and missing.json()["code"] == "invalid"


def test_an_xlsx_file_uploaded_through_the_api_is_imported(client, register):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for line in FILE.strip().splitlines():
        sheet.append(line.split(","))
    upload = io.BytesIO()
    workbook.save(upload)
    upload.seek(0)
    upload.name = "名录.xlsx"
    client.force_login(register.admin)
    body = client.post("/api/enterprises/import/", {"file": upload}).json()
    assert (body["file_format"], body["created"], body["error_rows"]) == ("xlsx", 2, 0), body["report"]


def test_a_handler_sees_the_enterprises_of_their_departments_division_not_of_their_own(register, firms):
    from org.models import Person

    # a handler registered in 鲤城区 working for 丰泽区住建局: the department's division decides
    Person.objects.filter(user=register.handler).update(department=register.other_department)
    handler = type(register.handler).objects.get(pk=register.handler.pk)  # as the next request reads it
    assert search(handler) == {B}
    assert Enterprise.objects.restrict(handler).get().credit_code == B


def test_a_superuser_without_a_person_sees_the_whole_city_and_may_import(register, firms, django_user_model):
    from enterprises.selectors import may_import, may_view_register

    root = django_user_model.objects.create_superuser("root", password="x")
    assert search(root) == {A, B}
    assert may_view_register(root) and may_import(root)
    assert not may_view_register(register.submitter) and not may_import(register.handler)
