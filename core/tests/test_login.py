"""Logins: demo users sign in; repeated failures lock the account for a while (django-axes)."""

from core.testing import PASSWORD


def test_a_user_signs_in_and_lands_on_their_items(client, cast):
    response = client.post("/login/", {"username": "calltaker", "password": PASSWORD}, follow=True)
    assert response.status_code == 200 and response.wsgi_request.user == cast.call_taker


def test_five_wrong_passwords_lock_the_account_with_a_message_in_chinese(client, cast):
    for _ in range(5):
        client.post("/login/", {"username": "calltaker", "password": "wrong"})
    response = client.post("/login/", {"username": "calltaker", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_a_wrong_password_says_so_without_saying_which_part_was_wrong(client, cast):
    response = client.post("/login/", {"username": "calltaker", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
