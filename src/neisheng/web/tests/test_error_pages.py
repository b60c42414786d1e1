"""403, 404 and 500 in the site's layout, each wholly in the reader's language."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import RequestFactory
from django.utils import translation

from neisheng.web.error_views import server_error

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u3400-\u9fff]")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _VisibleText(HTMLParser):
    """The text a reader sees, without <script>, <style> and data (translate="no")."""

    def __init__(self):
        super().__init__()
        self.skipping: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        if self.skipping or tag in ("script", "style") or dict(attrs).get("translate") == "no":
            self.skipping.append(tag)

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _signed_in(client, user, language="zh-hans"):
    client.force_login(user)
    if language != "zh-hans":
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def test_a_missing_household_is_a_404_in_the_layout_with_the_navigation(client, places, make_user):
    cadre = make_user("village", places["village"])
    response = _signed_in(client, cadre).get("/households/NOPE/")

    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="error-404"' in html and "找不到此页" in html
    assert 'id="nav"' in html and ">首页</a>" in html and ">农户</a>" in html
    assert "Page not found" not in html


def test_the_404_page_in_english_has_no_chinese_outside_data(client, places, make_user):
    cadre = make_user("village", places["village"])
    response = _signed_in(client, cadre, "en").get("/households/NOPE/")

    assert response.status_code == 404
    text = visible_text(response.content.decode())
    assert "Page not found" in text and "Home" in text
    assert not HAN.findall(text), HAN.findall(text)


def test_a_refused_role_gets_a_403_in_the_layout_with_the_reason_in_chinese(client, places, make_user):
    researcher = make_user("researcher", places["county"])
    response = _signed_in(client, researcher).get("/households/")

    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="error-403"' in html and "无权访问" in html and 'id="nav"' in html
    assert "只能查看汇总统计" in html
    assert "aggregates" not in html and "Access denied" not in html


def test_the_403_page_in_english_gives_the_reason_in_english_only(client, places, make_user):
    researcher = make_user("researcher", places["county"])
    response = _signed_in(client, researcher, "en").get("/households/")

    assert response.status_code == 403
    text = visible_text(response.content.decode())
    assert "Access denied" in text and "aggregates only" in text
    assert not HAN.findall(text), HAN.findall(text)


@pytest.mark.parametrize(("language", "expected", "absent"), [
    ("zh-hans", "系统出错", "Something went wrong"),
    ("en", "Something went wrong", "系统出错"),
])
def test_the_500_page_renders_without_touching_the_database(django_assert_num_queries, language, expected, absent):
    request = RequestFactory().get("/anything/")
    with translation.override(language), django_assert_num_queries(0):
        response = server_error(request)

    assert response.status_code == 500
    html = response.content.decode()
    assert 'id="error-500"' in html and expected in html and absent not in html
    assert "site.css" in html
