"""User administration (issue 9): an administrator creates, changes, disables and enables
users and resets their passwords, every change audited with old → new; an administrator
with a division does so only inside it, checked in the services as well as the pages."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from tests.support import PASSWORD

from neisheng.accounts import services
from neisheng.accounts.models import AuditEvent, User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "qiaoliang-baiyun-4821"
USERS = reverse("accounts:user_list")
NEW = reverse("accounts:user_new")


def signs_in(username, password) -> bool:
    """Through the sign-in page, as a person would (lockout and all)."""
    from django.test import Client

    response = Client().post(reverse("accounts:login"), {"username": username, "password": password})
    return response.status_code == 302


def detail(user):
    return reverse("accounts:user_detail", args=[user.pk])


@pytest.fixture
def admin(make_user):
    return make_user("admin", None, username="root-admin")


@pytest.fixture
def town_admin(make_user, places):
    return make_user("admin", places["town"], username="town-admin")


@pytest.fixture
def cadre(make_user, places):
    user = make_user("village", places["village"], username="cadre")
    user.phone = "13812345678"
    user.save()
    return user


def _new_user_form(places, **overrides):
    return {"username": "wangfang", "display_name": "王芳", "role": "village",
            "division": places["village"].code, "phone": "13900001111",
            "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, **overrides}


def test_an_administrator_creates_a_user_who_can_then_sign_in(client, admin, places):
    client.force_login(admin)
    page = client.get(NEW).content.decode()
    assert "新增用户" in page and "请选择" in page and "---------" not in page

    response = client.post(NEW, _new_user_form(places))
    created = User.objects.get(username="wangfang")
    assert response.status_code == 302 and response["Location"] == detail(created)
    assert (created.role, created.division_id, created.display_name) == ("village", places["village"].code, "王芳")

    event = AuditEvent.objects.get(action="create", object_type="user")
    assert event.user == admin and event.division_code == places["village"].code
    assert event.detail["changes"]["role"] == ["", "village"]
    assert event.detail["changes"]["phone"] == ["", "139****1111"]  # masked in the log too

    page = client.get(detail(created)).content.decode()
    assert "139****1111" in page and "13900001111" not in page  # masked by default
    assert "新增了用户" in page  # the user's history

    assert signs_in("wangfang", NEW_PASSWORD)


def test_the_new_user_form_refuses_bad_passwords_and_taken_names(client, admin, cadre, places):
    client.force_login(admin)
    page = client.post(NEW, _new_user_form(places, password2="something-else-99")).content.decode()
    assert "两次输入的密码不一致" in page
    page = client.post(NEW, _new_user_form(places, password1="12345678", password2="12345678")).content.decode()
    assert "这个密码太常见了" in page  # Django's own validator, in Chinese
    page = client.post(NEW, _new_user_form(places, username="CADRE")).content.decode()
    assert "此用户名已被使用" in page
    page = client.post(NEW, _new_user_form(places, division="")).content.decode()
    assert "请选择所属区划" in page
    assert not User.objects.filter(username="wangfang").exists()


def test_an_edit_is_audited_old_to_new_and_shown_on_the_user_page(client, admin, cadre, places):
    client.force_login(admin)
    edit = reverse("accounts:user_edit", args=[cadre.pk])
    form = client.get(edit).content.decode()
    assert "138****5678" in form and "13812345678" not in form  # the phone stays masked while editing

    response = client.post(edit, {"display_name": "李四", "role": "town", "division": places["town"].code,
                                  "phone": ""})
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert (cadre.display_name, cadre.role, cadre.division_id, cadre.phone) == (
        "李四", "town", places["town"].code, "13812345678")  # an empty phone field keeps the number

    event = AuditEvent.objects.get(action="update", object_type="user", object_id=str(cadre.pk))
    assert event.detail["changes"]["role"] == ["village", "town"]
    assert event.detail["changes"]["division"] == [places["village"].code, places["town"].code]
    assert "phone" not in event.detail["changes"]

    page = client.get(detail(cadre)).content.decode()
    assert "角色：村干部 → 乡镇干部" in page
    assert places["town"].name in page


def test_a_disabled_user_cannot_sign_in_and_their_session_ends(client, admin, cadre, django_user_model):
    from django.test import Client

    theirs = Client()
    theirs.force_login(cadre)
    assert theirs.get("/").status_code == 200

    client.force_login(admin)
    response = client.post(reverse("accounts:user_disable", args=[cadre.pk]))
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert not cadre.is_active
    assert "停用了用户" in client.get(detail(cadre)).content.decode()

    assert theirs.get("/").status_code == 302  # sent to sign in
    assert not signs_in("cadre", PASSWORD)

    client.post(reverse("accounts:user_enable", args=[cadre.pk]))
    assert signs_in("cadre", PASSWORD)


def test_an_administrator_cannot_disable_themself(client, admin):
    client.force_login(admin)
    response = client.post(reverse("accounts:user_disable", args=[admin.pk]), follow=True)
    admin.refresh_from_db()
    assert admin.is_active
    assert "不能停用或启用自己的账号" in response.content.decode()
    assert 'id="user-disable"' not in client.get(detail(admin)).content.decode()


def test_a_password_reset_is_typed_twice_and_ends_the_users_sessions(client, admin, cadre):
    from django.test import Client

    theirs = Client()
    theirs.force_login(cadre)
    client.force_login(admin)
    reset = reverse("accounts:user_password", args=[cadre.pk])
    page = client.post(reset, {"password1": NEW_PASSWORD, "password2": "not-the-same-9876"}).content.decode()
    assert "两次输入的密码不一致" in page

    assert client.post(reset, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302
    assert theirs.get("/").status_code == 302  # the old session is over
    assert not signs_in("cadre", PASSWORD)
    assert signs_in("cadre", NEW_PASSWORD)

    event = AuditEvent.objects.get(action="update", object_type="user", object_id=str(cadre.pk))
    assert event.detail == {"username": "cadre", "password_reset": True}
    assert NEW_PASSWORD not in str(event.detail)
    assert "重置了用户" in client.get(detail(cadre)).content.decode()


def test_the_list_searches_filters_and_shows_the_last_sign_in(client, admin, cadre, make_user, places):
    make_user("county", places["county"], username="officer")
    client.force_login(cadre)  # a sign-in, for the last-login column
    client.force_login(admin)
    page = client.get(USERS).content.decode()
    assert "cadre" in page and "officer" in page and "138****5678" in page and "13812345678" not in page
    assert "最近登录" in page and "从未登录" in page

    names = lambda response: {u.username for u in response.context["page"].rows}
    assert names(client.get(USERS, {"q": "cad"})) == {"cadre"}
    assert names(client.get(USERS, {"q": "测试county"})) == {"officer"}  # by name
    assert names(client.get(USERS, {"role": "county"})) == {"officer"}
    assert names(client.get(USERS, {"division": places["town"].code})) == {"cadre"}
    User.objects.filter(username="officer").update(is_active=False)
    assert names(client.get(USERS, {"active": "0"})) == {"officer"}
    assert "共 1 条" in client.get(USERS, {"active": "0"}).content.decode()
    by_name = [u.username for u in client.get(USERS, {"sort": "name"}).context["page"].rows]
    assert by_name == ["root-admin", "officer", "cadre"]  # 测试admin, 测试county, 测试village
    assert [u.username for u in client.get(USERS, {"sort": "-name"}).context["page"].rows] == by_name[::-1]


def test_a_division_administrator_sees_and_manages_only_its_division(client, town_admin, cadre, make_user, places):
    far = make_user("village", places["other_village"], username="far-cadre")
    above = make_user("county", places["county"], username="county-officer")
    root = make_user("admin", None, username="another-root")
    client.force_login(town_admin)

    listed = {u.username for u in client.get(USERS).context["page"].rows}
    assert listed == {"cadre", "town-admin"}
    for outside in (far, above, root):
        for name in ("accounts:user_detail", "accounts:user_edit", "accounts:user_password"):
            assert client.get(reverse(name, args=[outside.pk])).status_code == 404
        assert client.post(reverse("accounts:user_disable", args=[outside.pk])).status_code == 404
    assert User.objects.get(pk=far.pk).is_active

    # The form offers only divisions inside; one typed from outside is a form error.
    form = client.get(NEW).content.decode()
    assert places["village"].code in form and places["other_village"].code not in form
    assert places["county"].code not in form
    page = client.post(NEW, _new_user_form(places, division=places["other_village"].code)).content.decode()
    assert "有效" in page  # Django's "select a valid choice", in Chinese
    page = client.post(NEW, _new_user_form(places, role="admin", division="")).content.decode()
    assert "不能设置不受区划限制的用户" in page
    assert not User.objects.filter(username="wangfang").exists()
    assert client.post(NEW, _new_user_form(places)).status_code == 302


def test_the_services_refuse_a_division_administrator_outside_its_division(town_admin, cadre, make_user, places):
    far = make_user("village", places["other_village"], username="far-cadre")
    base = {"display_name": "某人", "phone": "", "password": NEW_PASSWORD}
    with pytest.raises(ValidationError) as refused:
        services.user_create(actor=town_admin, username="x1", role="village", division=places["other_village"],
                             **base)
    assert "division" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.user_create(actor=town_admin, username="x2", role="admin", division=None, **base)
    with pytest.raises(ValidationError):  # above its own division is outside too
        services.user_create(actor=town_admin, username="x3", role="county", division=places["county"], **base)
    with pytest.raises(ValidationError):
        services.user_update(actor=town_admin, user=cadre, display_name="x", role="village",
                             division=places["other_village"])
    for change in (services.user_disable, services.user_enable):
        with pytest.raises(PermissionDenied):
            change(actor=town_admin, user=far)
    with pytest.raises(PermissionDenied):
        services.user_password_reset(actor=town_admin, user=far, password=NEW_PASSWORD)
    with pytest.raises(PermissionDenied):  # a role without users.manage, whatever the division
        services.user_disable(actor=make_user("county", places["county"], username="officer"), user=cadre)
    assert not User.objects.filter(username__in=["x1", "x2", "x3"]).exists()
    assert not AuditEvent.objects.filter(object_type="user", action__in=["create", "update"]).exists()


@pytest.mark.parametrize("role", ["county", "town", "village", "assistance", "department", "auditor", "researcher"])
def test_only_administrators_manage_users(client, places, make_user, cadre, role):
    client.force_login(make_user(role, places["county"]))
    for url in (USERS, NEW, detail(cadre), reverse("accounts:user_edit", args=[cadre.pk]),
                reverse("accounts:user_password", args=[cadre.pk]), reverse("accounts:roles")):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("accounts:user_disable", args=[cadre.pk])).status_code == 403
    cadre.refresh_from_db()
    assert cadre.is_active


def test_the_roles_page_reads_the_capability_table_in_words(client, admin):
    client.force_login(admin)
    page = client.get(reverse("accounts:roles")).content.decode()
    assert "县级干部" in page and "审计/纪检" in page
    assert "查看本辖区的审计日志" in page and "管理本辖区的用户" in page
    assert "County officer" not in page and "users.manage" not in page

    english = client.get(reverse("accounts:roles"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "County officer" in english and "Read the audit log of the division" in english
    assert "县级干部" not in english


def test_role_labels_are_in_one_language(client, make_user, places):
    client.force_login(make_user("county", places["county"]))
    chinese = client.get("/").content.decode()
    assert "县级干部" in chinese and "County officer" not in chinese
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "County officer" in english and "县级干部" not in english
