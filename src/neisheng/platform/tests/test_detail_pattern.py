"""The detail page pattern (patterns/detail.html): what needs doing first, then the
result, the actions and the facts; empty blocks leave no empty frame."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def _page(blocks: dict[str, str]) -> str:
    source = '{% extends "patterns/detail.html" %}' + "".join(
        f"{{% block {name} %}}{body}{{% endblock %}}" for name, body in blocks.items())
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    return engines["django"].from_string(source).render({}, request)


def test_the_blocks_come_in_the_order_of_the_pattern():
    html = _page({"facts": "<p>FACTS</p>", "actions": "<a>EDIT</a>", "result": "<p>RESULT</p>",
                  "todo": "<p>TODO</p>", "heading": "<h1>HEAD</h1>"})

    order = [html.index(word) for word in ("HEAD", "TODO", "RESULT", "EDIT", "FACTS")]
    assert order == sorted(order)
    assert '<section class="card todo" id="todo"' in html
    assert '<div class="actions detail-actions" id="actions">' in html


def test_an_empty_todo_or_actions_block_draws_no_card_or_row():
    html = _page({"heading": "<h1>HEAD</h1>", "todo": "  \n ", "result": "<p>RESULT</p>", "facts": "F"})

    assert 'id="todo"' not in html and 'id="actions"' not in html
    assert 'id="result"' in html and 'id="facts"' in html
