"""Test kits of any app: the cast's password, logging in through the browser, and the permission
matrix (``PermissionTests``). The cast itself (two counties, their departments, people in every role)
is the ``cast`` fixture of the root ``conftest.py``: it is made of org's and the ledger's models, and
core imports no app."""

PASSWORD = "pass-for-tests-1"


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page, as a user would, and land on 我的事项."""
    from playwright.sync_api import expect

    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的事项")).to_be_visible()
