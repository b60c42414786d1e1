"""The list pattern (platform.listing, patterns/list.html) as a user meets it on the
household list: page numbers, a page past the end, sorting by declared columns only,
exact counts kept per filter and data version, filters shown as removable chips."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from neisheng.accounts.services import audit_record
from neisheng.platform import listing
from neisheng.platform.listing import Column, Filter, ListQuery
from neisheng.registry.models import Household

pytestmark = pytest.mark.django_db

URL = "/households/"


@pytest.fixture
def officer(client, make_user, places):
    user = make_user("county", places["county"])
    client.force_login(user)
    return user


def _county_households(places) -> list[str]:
    return list(Household.objects.filter(village__code__startswith=places["county"].prefix)
                .order_by("household_id").values_list("pk", flat=True))


def _shown(response) -> list[str]:
    return [row.household.household_id for row in response.context["page"].rows]


def _text(response) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_page_n_shows_the_nth_fifty_and_links_to_its_neighbours(client, officer, places):
    everyone = _county_households(places)
    assert len(everyone) > 100
    response = client.get(URL, {"page": 2})
    assert _shown(response) == everyone[50:100]
    page = response.context["page"]
    assert (page.number, page.pages) == (2, -(-len(everyone) // 50))
    html = response.content.decode()
    assert 'aria-current="page">2<' in html
    assert f'href="{URL}?page=3"' in html and f'href="{URL}"' in html  # next, and page 1 without ?page=
    assert "第 51–100 条" in _text(response)


def test_the_last_page_read_from_the_end_has_the_last_rows(client, officer, places):
    everyone = _county_households(places)
    pages = -(-len(everyone) // 50)
    assert _shown(client.get(URL, {"page": pages})) == everyone[(pages - 1) * 50:]
    assert _shown(client.get(URL, {"page": pages - 1})) == everyone[(pages - 2) * 50:(pages - 1) * 50]


def test_a_page_past_the_end_says_so_and_links_to_the_last_page(client, officer, places):
    lifted = Household.objects.filter(village__code__startswith=places["county"].prefix, status="lifted").count()
    pages = -(-lifted // 50)
    response = client.get(URL, {"page": 300, "status": "lifted"})
    assert response.status_code == 200
    assert _shown(response) == []
    assert f"没有第 300 页:共 {pages} 页。" in _text(response)
    last = unescape(re.search(r'href="([^"]+)" id="list-last-page"', response.content.decode()).group(1))
    assert last == f"{URL}?status=lifted" + (f"&page={pages}" if pages > 1 else "")
    assert _shown(client.get(last))  # the last page has rows


def test_an_unreadable_page_number_shows_page_one_and_says_so(client, officer, places):
    everyone = _county_households(places)
    for bad in ("abc", "0", "-2"):
        response = client.get(URL, {"page": bad})
        assert _shown(response) == everyone[:50]
        assert "页码无效,已显示第 1 页。" in _text(response)


def test_sorting_follows_declared_columns_only(client, officer, places):
    everyone = _county_households(places)
    down = client.get(URL, {"sort": "-number"})
    assert _shown(down) == everyone[::-1][:50]
    assert 'aria-sort="descending"' in down.content.decode()
    by_village = _shown(client.get(URL, {"sort": "village"}))
    villages = dict(Household.objects.filter(pk__in=by_village).values_list("pk", "village_id"))
    assert [villages[h] for h in by_village] == sorted(villages[h] for h in by_village)
    # Not declared sortable (a name would sort every household each page): ignored.
    assert _shown(client.get(URL, {"sort": "head"})) == everyone[:50]
    assert _shown(client.get(URL, {"sort": "members__name"})) == everyone[:50]


def test_a_sort_link_reverses_the_order_and_keeps_the_filters(client, officer):
    html = client.get(URL, {"status": "lifted", "sort": "number"}).content.decode()
    header = re.search(r'<th[^>]*data-column="number"[^>]*>(.*?)</th>', html, re.DOTALL).group(0)
    assert 'aria-sort="ascending"' in header
    assert "sort=-number" in header and "status=lifted" in unescape(header)


def test_the_count_is_exact_with_thousands_separators(client, officer, places, monkeypatch):
    everyone = _county_households(places)
    response = client.get(URL)
    assert response.context["page"].count == len(everyone)
    assert f"共 {len(everyone)} 户" in _text(response)
    monkeypatch.setattr("neisheng.registry.selectors.listing.segment_counts", lambda *a: [1_234_567])
    from django.core.cache import cache

    cache.clear()
    assert "共 1,234,567 户" in _text(client.get(URL))


def test_counts_are_counted_once_per_filters_and_data_version(officer, places):
    calls = []

    def compute():
        calls.append(1)
        return [len(calls)]

    assert listing.counts_cached(user=officer, name="t", key={"status": "lifted"}, compute=compute) == [1]
    assert listing.counts_cached(user=officer, name="t", key={"status": "lifted"}, compute=compute) == [1]
    assert listing.counts_cached(user=officer, name="t", key={"status": "poor"}, compute=compute) == [2]
    # A write through the platform leaves an audit event: the data version changes.
    audit_record(user=officer, action="update", division_code=places["village"].code)
    assert listing.counts_cached(user=officer, name="t", key={"status": "lifted"}, compute=compute) == [3]


def test_an_active_filter_is_a_chip_that_removes_it(client, officer, places):
    village = places["village"]
    response = client.get(URL, {"status": "lifted", "division": village.code, "q": "张"})
    html = response.content.decode()
    chips = re.search(r'<ul class="chips".*?</ul>', html, re.DOTALL).group(0)
    text = unescape(re.sub(r"<[^>]+>", " ", chips))
    assert "户类型:" in text and "脱贫户" in text
    assert "区划:" in text and village.name in text
    assert "搜索:" in text and "张" in text
    removes = [unescape(u) for u in re.findall(r'class="chip-remove" href="([^"]+)"', chips)]
    assert len(removes) == 3
    without_status = next(u for u in removes if "status" not in u)
    assert f"division={village.code}" in without_status and "q=" in without_status
    # The filter panel is open when a filter is active, so what is chosen is visible.
    assert re.search(r'<details class="list-filters" id="list-filters" open>', html)


def test_the_filter_panel_closes_when_nothing_is_chosen(client, officer):
    html = client.get(URL).content.decode()
    assert '<details class="list-filters" id="list-filters">' in html
    assert 'class="chips"' not in html


def test_an_unknown_code_is_ignored_not_an_error(client, officer, places):
    everyone = _county_households(places)
    response = client.get(URL, {"status": "nonsense", "risk": "purple"})
    assert response.status_code == 200 and _shown(response) == everyone[:50]
    assert 'class="chips"' not in response.content.decode()


def test_list_query_reads_only_declared_codes_and_builds_addresses():
    columns = [Column("name", "姓名", order_by=("name",)), Column("size", "人口")]
    filters = [Filter("level", "级别", choices=[("4", "乡镇"), ("5", "村")])]
    query = ListQuery({"q": " 伟 ", "level": "5", "sort": "-name", "page": "3", "other": "x"},
                      columns=columns, filters=filters, path="/x/")
    assert (query.q, query.values, query.sort, query.descending, query.page_number) == ("伟", {"level": "5"}, "name", True, 3)
    assert query.order_by(tiebreak=["pk"]) == ["-name", "-pk"]
    assert query.url(page=4) == "/x/?q=%E4%BC%9F&level=5&sort=-name&page=4"
    assert query.url(level="") == "/x/?q=%E4%BC%9F&sort=-name"
    ignored = ListQuery({"level": "3", "sort": "size"}, columns=columns, filters=filters, path="/x/")
    assert ignored.values == {} and ignored.sort == "" and ignored.order_by(tiebreak=["pk"]) == ["pk"]


def test_list_page_walks_segments_in_order(places):
    households = Household.objects.filter(village__code__startswith=places["county"].prefix).order_by("pk")
    codes = list(households.values_list("pk", flat=True))
    first, rest = households.filter(pk__in=codes[-3:]), households.exclude(pk__in=codes[-3:])
    counts = [3, len(codes) - 3]
    pages = [listing.list_page([first, rest], query=ListQuery({"page": str(n)}, columns=[], filters=[], path="/x/"),
                               counts=counts, size=5) for n in range(1, -(-len(codes) // 5) + 1)]
    assert [h.pk for h in pages[0].rows] == codes[-3:] + codes[:2]
    assert [h.pk for h in pages[1].rows] == codes[2:7]
    # Every row once, in segment order, whether a page is read from the start or the end.
    assert [h.pk for p in pages for h in p.rows] == codes[-3:] + codes[:-3]
    assert pages[0].count == len(codes) and pages[0].pages == len(pages)


def test_page_links_show_the_ends_and_the_neighbours():
    query = ListQuery({}, columns=[], filters=[], path="/x/")
    numbers = [link.number for link in listing.page_links(6, 120, query)]
    assert numbers == [1, None, 4, 5, 6, 7, 8, None, 120]
    assert [link.number for link in listing.page_links(1, 3, query)] == [1, 2, 3]


def test_the_list_needs_a_login(client):
    assert client.get(reverse("registry:household_list")).status_code == 302
