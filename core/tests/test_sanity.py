"""What no part of the site can take is refused once, in the middleware, with a 400 in the shape the
URL speaks (found by probing: these gave 500s on PostgreSQL, without login)."""

import pytest

pytestmark = pytest.mark.django_db

NUL_URLS = [
    "/open311/v2/services/%00.json",
    "/open311/v2/requests/%00.json",
    "/open311/v2/requests.json?service_code=%00",
    "/open311/v2/requests.json?service_request_id=%00",
    "/open311/v2/tokens/%00.json",
    "/api/categories/%00/",
    "/api/policy-clauses/%00/",
    "/api/policy-clauses/wgy-07/explain/?credit_code=%00",
    "/policies/?status=%00",
    "/login/?next=%00",
]


@pytest.mark.parametrize("url", NUL_URLS)
def test_a_nul_character_anywhere_in_the_url_is_a_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    text = response.content.decode()
    assert "空字符" in text
    if url.startswith("/api/"):
        assert response.json()["code"] == "invalid"
    elif ".json" in url:
        assert response.json()[0]["code"] == 400


def test_an_xml_url_gets_the_open311_error_list(client):
    response = client.get("/open311/v2/requests/%00.xml")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/xml")
    assert "<errors><error><code>400</code>" in response.content.decode()


def test_a_nul_in_a_form_or_json_value_is_a_400(client):
    assert client.post("/login/", {"username": "a\x00b", "password": "x"}).status_code == 400
    response = client.post(
        "/api/auth/token/", '{"username": "a\\u0000", "password": "x"}', content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid"


@pytest.mark.parametrize("url", ["/api/auth/token/", "/api/items/"])
def test_json_nested_a_hundred_thousand_deep_is_a_400_not_a_recursion_error(client, url):
    response = client.post(url, "[" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert "嵌套层数过多" in response.json()["detail"]


def test_ordinary_json_and_strings_with_brackets_pass(client):
    body = '{"username": "[[[[{{{{", "password": "x"}'
    assert client.post("/api/auth/token/", body, content_type="application/json").status_code != 500
    nested = "[" * 60 + "]" * 60
    assert client.post("/api/auth/token/", nested, content_type="application/json").status_code == 400
