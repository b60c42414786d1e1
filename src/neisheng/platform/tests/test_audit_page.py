import datetime as dt
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from neisheng.accounts.models import AuditEvent
from neisheng.accounts.services import audit_record

pytestmark = pytest.mark.django_db

AUDIT = "/accounts/audit/"


@pytest.fixture
def admin(make_user):
    return make_user("admin", None, username="boss")


@pytest.fixture
def trail(places, make_user):
    """A cadre who viewed three people and changed one household; a clerk who exported."""
    cadre = make_user("village", places["village"], username="cadre")
    clerk = make_user("department", places["county"], username="clerk")
    for person_id in ("500237199001011234", "500237199202022345", "500237199303033456"):
        audit_record(user=cadre, action="view_unmasked", division_code=places["village"].code,
                     object_type="person", object_id=person_id)
    audit_record(user=cadre, action="update", division_code=places["village"].code, object_type="household",
                 object_id="H0001", detail={"field": "housing"})
    audit_record(user=clerk, action="export", division_code=places["county"].code, object_type="household",
                 detail={"rows": 300})
    return {"cadre": cadre, "clerk": clerk}


def test_the_audit_url_is_named():
    assert reverse("platform:audit") == AUDIT


@pytest.mark.parametrize("role", ["county", "town", "village", "assistance", "department", "researcher"])
def test_only_administrators_and_auditors_see_the_audit_log(client, places, make_user, role):
    client.force_login(make_user(role, places["county"]))
    assert client.get(AUDIT).status_code == 403
    assert client.post(AUDIT).status_code == 403


def test_a_superuser_sees_it_and_anonymous_users_are_sent_to_sign_in(client, places, make_user):
    assert client.get(AUDIT).status_code == 302
    superuser = make_user("county", places["county"], username="root")
    superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    assert client.get(AUDIT).status_code == 200


def test_the_page_lists_who_did_what_with_person_numbers_masked(client, admin, trail):
    client.force_login(admin)
    page = client.get(AUDIT).content.decode()
    assert "审计日志" in page
    assert "查看完整信息" in page and "修改" in page and "导出" in page
    assert "cadre" in page and "clerk" in page and "H0001" in page
    assert "5002**********1234" in page
    assert "500237199001011234" not in page
    assert "共 6 条" in page  # five events and the admin's own sign-in by force_login


def test_filters_by_user_action_and_object(client, admin, trail):
    client.force_login(admin)
    rows = client.get(AUDIT, {"user": "CADRE", "action": "view_unmasked"}).context["page"].object_list
    assert len(rows) == 3 and {e.username for e in rows} == {"cadre"}

    rows = client.get(AUDIT, {"object_id": "500237199202022345"}).context["page"].object_list
    assert [e.object_id for e in rows] == ["500237199202022345"]

    rows = client.get(AUDIT, {"user": "clerk", "action": "update"}).context["page"].object_list
    assert len(rows) == 0


def test_filters_by_local_date_range(client, admin, trail):
    older = AuditEvent.objects.get(object_id="H0001")
    AuditEvent.objects.filter(pk=older.pk).update(at=timezone.now() - dt.timedelta(days=10))
    today = timezone.localdate()
    client.force_login(admin)

    recent = client.get(AUDIT, {"date_from": today - dt.timedelta(days=1), "date_to": today}).context["page"]
    assert older.pk not in {e.pk for e in recent.object_list}
    back_then = client.get(AUDIT, {"date_to": today - dt.timedelta(days=9)}).context["page"]
    assert [e.pk for e in back_then.object_list] == [older.pk]


def test_bad_filters_show_chinese_errors_and_do_not_crash(client, admin, trail):
    client.force_login(admin)
    response = client.get(AUDIT, {"date_from": "2026-13-45", "action": "hack"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "请更正筛选条件" in page
    assert "有效" in page  # Django's own Chinese message for a bad date or choice
    response = client.get(AUDIT, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert "截止日期不能早于起始日期" in response.content.decode()
    assert client.post(AUDIT + "?date_from=x")["Content-Type"].startswith("text/html")


def test_fifty_events_a_page(client, admin, places, make_user):
    cadre = make_user("village", places["village"])
    AuditEvent.objects.bulk_create(
        AuditEvent(user=cadre, username=cadre.username, action="view_unmasked", object_type="household",
                   object_id=f"H{n:04d}") for n in range(120)
    )
    client.force_login(admin)
    first = client.get(AUDIT, {"action": "view_unmasked"})
    page = first.context["page"]
    assert len(page.object_list) == 50 and page.paginator.num_pages == 3
    html = first.content.decode()
    assert "action=view_unmasked&amp;page=2" in html or "page=2&amp;action=view_unmasked" in html
    last = client.get(AUDIT, {"action": "view_unmasked", "page": 3}).context["page"]
    assert len(last.object_list) == 20
    assert client.get(AUDIT, {"page": "999"}).status_code == 200


def test_the_filtered_list_exports_to_excel_and_the_export_is_logged(client, admin, trail):
    client.force_login(admin)
    response = client.post(AUDIT + "?user=cadre")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "audit-log" in response["Content-Disposition"]

    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("时间", "用户名", "姓名", "操作", "内容")
    assert len(rows) == 1 + 4
    assert {r[1] for r in rows[1:]} == {"cadre"}
    assert "5002**********2345" in {r[6] for r in rows[1:]}
    assert "测试village 查看了人员 5002**********2345 的完整证件号" in {r[4] for r in rows[1:]}
    assert not any("500237199202022345" in str(cell) for r in rows for cell in r)
    assert all(isinstance(r[0], dt.datetime) for r in rows[1:])

    logged = AuditEvent.objects.get(action="export", user=admin)
    assert logged.detail == {"filters": {"username": "cadre"}, "rows": 4}


# ------------------------------------------------------------------ entries in words (issue 9)

def test_each_entry_is_a_sentence_naming_the_user_the_object_and_the_filters(client, admin, trail, places):
    cadre = trail["cadre"]
    audit_record(user=cadre, action="export", division_code=places["village"].code, object_type="household_list",
                 detail={"filters": {"risk": "red", "division": places["village"].code}})
    client.force_login(admin)
    page = client.get(AUDIT).content.decode()
    # Who by name, what in words, a person by the masked ID, filters in words, not codes.
    assert "测试village</span> 查看了人员 <span translate=\"no\">5002**********1234</span> 的完整证件号" in page
    # Filters read in the order the audit vocabulary declares them, whatever order the
    # database keeps the JSON keys in (PostgreSQL's jsonb keeps none).
    village = places["village"]
    assert (f'导出了农户名单，筛选条件：区划 = <span translate="no">{village.name} {village.code}</span>；风险 = 红色'
            in page)
    table = page.split('id="audit-table"')[1]
    assert "{&#x27;risk&#x27;" not in table and "household_list" not in table and "red" not in table


def test_entries_read_in_english_on_english_pages(client, admin, trail, places):
    cadre = trail["cadre"]
    audit_record(user=cadre, action="export", division_code=places["village"].code, object_type="household_list",
                 detail={"filters": {"risk": "red"}, "rows": 1234})
    client.force_login(admin)
    page = client.get(AUDIT, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "exported the household list, filtered by Risk = Red" in page
    assert "viewed the full ID number of person" in page
    assert "导出了" not in page and "查看了" not in page


def test_sentences_for_user_administration_and_sign_ins(admin, places, make_user):
    from django.utils import translation

    from neisheng.accounts import services
    from neisheng.platform.audit import audit_event_sentence

    someone = make_user("village", places["village"], username="wang")
    services.user_update(actor=admin, user=someone, display_name="王芳", role="town", division=places["town"],
                         phone="")
    services.user_disable(actor=admin, user=someone)
    services.user_password_reset(actor=admin, user=someone, password="qiaoliang-baiyun-4821")
    changed, disabled, reset = AuditEvent.objects.filter(object_type="user", object_id=str(someone.pk),
                                                         action="update").order_by("id")
    with translation.override("zh-hans"):
        assert audit_event_sentence(changed) == (
            f"测试admin 修改了用户 wang：姓名：测试village → 王芳；角色：村干部 → 乡镇干部；"
            f"所属区划：{places['village'].name} {places['village'].code} → {places['town'].name} {places['town'].code}")
        assert audit_event_sentence(disabled) == "测试admin 停用了用户 wang"
        assert audit_event_sentence(reset) == "测试admin 重置了用户 wang 的密码"
    with translation.override("en"):
        assert audit_event_sentence(disabled) == "测试admin disabled user wang"
        assert "Role: Village cadre → Town officer" in audit_event_sentence(changed)


def test_filters_by_object_type_and_by_name(client, admin, trail):
    client.force_login(admin)
    rows = client.get(AUDIT, {"object_type": "person"}).context["page"].object_list
    assert len(rows) == 3 and {e.object_type for e in rows} == {"person"}
    rows = client.get(AUDIT, {"user": "测试department"}).context["page"].object_list
    assert {e.username for e in rows} == {"clerk"}


def test_page_numbers_and_a_page_past_the_end(client, admin, places, make_user):
    cadre = make_user("village", places["village"])
    AuditEvent.objects.bulk_create(
        AuditEvent(user=cadre, username=cadre.username, action="view_unmasked", object_type="household",
                   object_id=f"H{n:04d}") for n in range(320)
    )
    client.force_login(admin)
    html = client.get(AUDIT, {"action": "view_unmasked", "page": 4}).content.decode()
    assert 'aria-current="page">4<' in html
    for number in (1, 2, 3, 5, 6, 7):
        assert f"page={number}\">{number}<" in html or f"page={number}&amp;" in html
    assert "共 320 条" in html

    response = client.get(AUDIT, {"action": "view_unmasked", "page": 99})
    assert response.context["page"].number == 7
    assert "没有这一页：共 7 页，下面是最后一页。" in response.content.decode()
