"""The form page pattern (patterns/form.html, platform/widgets.py) as the registry's
forms use it: the town → village picker, labelled scales, placeholders and blank choices
in the page's language, errors next to the field and summed up at the top, date inputs.
Deleting (the pattern's confirmation page) is in test_ledger_delete.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from neisheng.policy import load_policy
from neisheng.registry.models import Division, Household

pytestmark = pytest.mark.django_db


class Elements(HTMLParser):
    """Start tags with their attributes, in document order, and the text of options."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[tuple[str, dict]] = []
        self.option_text: list[tuple[dict, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        entry = (tag, dict(attrs))
        self.tags.append(entry)
        if tag in ("select", "optgroup", "option"):
            self.stack.append(entry)

    def handle_endtag(self, tag):
        if tag in ("select", "optgroup", "option") and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "option":
            self.option_text.append((self.stack[-1][1], data.strip()))

    def all(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def select_options(html: str, select_id: str) -> list[dict]:
    """The options of one select: value, text, data-parent and the optgroup they are in."""
    body = html[html.index(f'id="{select_id}"'):]
    body = body[:body.index("</select>")]
    options, group = [], None
    for match in re.finditer(r'<optgroup label="([^"]*)"|<option([^>]*)>([^<]*)</option>', body):
        if match.group(1) is not None:
            group = match.group(1)
            continue
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(2)))
        options.append({"value": attrs.get("value", ""), "text": match.group(3).strip(),
                        "parent": attrs.get("data-parent"), "group": group})
    return options


@pytest.fixture
def more_villages(places):
    """A second village in the first town and a second town with two villages, so the
    picker has towns to narrow by (the shared counties have one village each)."""
    county, town = places["county"], places["town"]
    second_town = Division.objects.create(code=f"{county.code[:6]}102000", name="第二镇", level=4, parent=county)
    made = [Division.objects.create(code=f"{town.code[:9]}202", name="第二村", level=5, parent=town)]
    for n in (201, 202):
        made.append(Division.objects.create(code=f"{second_town.code[:9]}{n}", name=f"新{n}村", level=5,
                                            parent=second_town))
    return second_town, made


def new_household_page(client, **headers) -> str:
    response = client.get(reverse("registry:household_create"), **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_the_village_picker_offers_the_towns_and_villages_in_scope_grouped_by_town(client, places, make_user,
                                                                                  more_villages):
    client.force_login(make_user("county", places["county"]))
    page = new_household_page(client)
    villages = select_options(page, "id_village")
    towns = select_options(page, "id_village_parent")
    in_county = Division.objects.filter(level=5, code__startswith=places["county"].code[:6])
    assert {o["value"] for o in villages} - {""} == set(in_county.values_list("code", flat=True))
    assert not any(o["value"].startswith(places["other_county"].code[:6]) for o in villages + towns)
    # Every village carries its town (site.js narrows by it) and sits in its town's optgroup (no script).
    town_names = {o["value"]: o["text"] for o in towns if o["value"]}
    assert set(town_names) == set(in_county.values_list("parent_id", flat=True))
    assert len(town_names) == 2 and len(villages) == 1 + 4
    for option in villages[1:]:
        village = in_county.get(code=option["value"])
        assert option["parent"] == village.parent_id
        assert option["group"] == town_names[village.parent_id]
    # The blank choice reads 请选择, and the town select waits hidden for the script.
    assert villages[0] == {"value": "", "text": "请选择", "parent": None, "group": None}
    assert towns[0]["text"] == "全部乡镇"
    assert re.search(r'<div class="picker-parent" hidden>\s*<label for="id_village_parent">乡镇</label>', page)


def test_a_town_officer_gets_their_towns_villages_only(client, places, make_user, more_villages):
    client.force_login(make_user("town", places["town"]))
    page = new_household_page(client)
    villages = [o for o in select_options(page, "id_village") if o["value"]]
    towns = [o for o in select_options(page, "id_village_parent") if o["value"]]
    assert [o["value"] for o in towns] == [places["town"].code]
    assert sorted(o["value"] for o in villages) == sorted([places["village"].code, more_villages[1][0].code])


def test_a_village_cadre_picks_from_their_own_village_only(client, places, make_user, more_villages):
    client.force_login(make_user("village", places["village"]))
    page = new_household_page(client)
    villages = [o for o in select_options(page, "id_village") if o["value"]]
    towns = [o for o in select_options(page, "id_village_parent") if o["value"]]
    assert [o["value"] for o in villages] == [places["village"].code]
    assert [o["value"] for o in towns] == [places["village"].parent_id]
    assert 'selected' in page[page.index(f'value="{places["village"].code}"'):][:80]


def test_no_select_of_the_registry_forms_shows_dashes(client, places, make_user):
    client.force_login(make_user("county", places["county"]))
    household = Household.objects.filter(village=places["village"]).first()
    for url in (reverse("registry:household_create"), reverse("registry:household_edit", args=[household.pk]),
                reverse("registry:person_create", args=[household.pk]),
                reverse("registry:ledger_create", args=[household.pk])):
        page = client.get(url).content.decode()
        assert "---------" not in page, url
        assert 'class="form-grid"' in page, url


def test_willingness_is_a_labelled_scale_with_the_policy_cut_off(client, places, make_user):
    client.force_login(make_user("county", places["county"]))
    page = new_household_page(client)
    cut_off = load_policy().willingness_deprived_at_most
    radios = Elements(page).all("input", type="radio", name="willingness")
    assert [r["value"] for r in radios] == ["1", "2", "3", "4", "5"]
    words = re.findall(r'<label class="scale-option( scale-marked)?"[^>]*>.*?<span class="scale-number">(\d)</span> '
                       r'<span class="scale-words">([^<]*)</span>', page, re.DOTALL)
    assert [(n, w) for _, n, w in words] == [("1", "没有意愿"), ("2", "意愿较弱"), ("3", "一般"),
                                             ("4", "意愿较强"), ("5", "意愿强烈")]
    assert [n for marked, n, _ in words if marked] == [str(v) for v in range(1, cut_off + 1)]
    assert f"不高于 {cut_off} 分计为“脱贫意愿弱”" in page
    assert re.search(r"<fieldset><legend>脱贫意愿", page)


def test_placeholders_and_blank_choices_follow_the_page_language(client, places, make_user):
    client.force_login(make_user("county", places["county"]))
    chinese = Elements(new_household_page(client))
    english_page = new_household_page(client, HTTP_ACCEPT_LANGUAGE="en")
    english = Elements(english_page)
    assert chinese.all("input", name="household_id")[0]["placeholder"] == "留空自动编号"
    assert english.all("input", name="household_id")[0]["placeholder"] == "empty: numbered automatically"
    assert chinese.all("input", name="lifted_year")[0]["placeholder"] == "例如 2020"
    assert english.all("input", name="lifted_year")[0]["placeholder"] == "e.g. 2020"
    assert '<option value="" selected>Please choose</option>' in english_page
    assert "不高于" not in english_page and "or less counts as" in english_page


def test_an_edit_form_shows_the_households_value_on_the_scale(client, places, make_user):
    client.force_login(make_user("county", places["county"]))
    household = Household.objects.filter(village=places["village"], willingness=2).first()
    page = client.get(reverse("registry:household_edit", args=[household.pk])).content.decode()
    checked = [r["value"] for r in Elements(page).all("input", type="radio", name="willingness") if "checked" in r]
    assert checked == ["2"]
    [chosen] = [o for o in Elements(page).all("option") if "selected" in o and "data-parent" in o]
    assert (chosen["value"], chosen["data-parent"]) == (household.village_id, household.village.parent_id)


def test_dates_are_date_inputs(client, places, make_user):
    client.force_login(make_user("county", places["county"]))
    household = Household.objects.filter(village=places["village"]).first()
    page = Elements(client.get(reverse("registry:person_create", args=[household.pk])).content.decode())
    assert page.all("input", name="birth_date")[0]["type"] == "date"


def test_errors_show_next_to_the_field_and_in_a_summary_at_the_top(client, places, make_user):
    client.force_login(make_user("county", places["county"]))
    page = client.post(reverse("registry:household_create"), {"household_id": "no spaces allowed"}).content.decode()
    summary = page[page.index('id="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    assert page.index('id="error-summary"') < page.index('class="form-grid"')
    assert '<a href="#field-household_id">户编号' in summary and '<a href="#field-status">' in summary
    status = page[page.index('id="field-status"'):]
    status = status[:status.index("</div>")]
    assert '<ul class="errorlist field-errors" id="id_status_error"><li>必填项为空</li></ul>' in status
    assert 'aria-invalid="true"' in status
    english = client.post(reverse("registry:household_create"), {"household_id": "no spaces"},
                          HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "a required value is empty" in english and "必填项为空" not in english
