"""The admin speaks the product's language: its own name, every section in Chinese, no RQ dashboard
where RQ does not run the tasks; and every page has an icon."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def test_the_admin_is_branded_and_its_sections_are_translated(client):
    client.force_login(get_user_model().objects.create_superuser("root", "r@example.test", "x"))
    text = client.get("/admin/").text
    assert "四下基层 · 系统管理" in text and "Django 管理" not in text
    for untranslated in ("Axes", "AXES", "Django_Rq", "DJANGO_RQ", "Tasks Database Backend"):
        assert untranslated not in text
    assert "登录保护" in text and "后台任务" in text


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url.endswith("favicon.svg")
    assert 'rel="icon"' in client.get("/login/").text
