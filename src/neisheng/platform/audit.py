"""Reading the audit trail: which events a user may see, and the audit page's filters.

Every event carries the division it concerns (AuditEvent.division_code, given to the
one writer, accounts.services.audit_record), so an administrator tied to a division sees
the events about it and the events by its people with one scope filter, whatever the
object: a household, a person, a case or anything a later app records.
"""

from __future__ import annotations

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from neisheng.accounts.access import AUDIT_READ, Role, user_may
from neisheng.accounts.masking import mask_id_number
from neisheng.accounts.models import AuditEvent, User
from neisheng.engine import schema
from neisheng.platform import scope


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """Nothing without the capability to read the log; with it, what concerns the user's
    division and what people of that division did (anywhere); everything for an
    administrator without a division."""
    if not user_may(user, AUDIT_READ):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.select_related("user")
    if scope.code_range(user) is None:
        return events
    return events.filter(scope.within(user, "division_code") | scope.within(user, "user__division_id"))


def audit_events_filtered(user, *, username: str = "", action: str = "", date_from=None,
                          date_to=None, object_type: str = "", object_id: str = "") -> QuerySet[AuditEvent]:
    """The audit events the user may see, narrowed by the audit page's filters (dates are
    whole local days, both ends included; a user by username or by name)."""
    events = audit_events_visible_to(user)
    if username:
        typed = username.strip()
        events = events.filter(Q(username__iexact=typed) | Q(user__display_name=typed))
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id.strip())
    return events


# --------------------------------------------------------------------------- entries in words
#
# One function turns an event into a sentence in the current language: who (their name),
# did what, to which object (a household by its number, a person by the masked ID
# number, an upload by its batch), with which filters in words. Data (names, numbers,
# file names) is wrapped in translate="no" on pages so the language check skips it.
# An app names its own object types, filters and fields with audit_vocabulary_register.

# Object types in words, lower case as they stand inside a sentence ("audit object" context).
AUDIT_OBJECT_TYPES: dict[str, str] = {
    "household": pgettext_lazy("audit object", "农户"),
    "household_list": pgettext_lazy("audit object", "农户名单"),
    "person": pgettext_lazy("audit object", "人员"),
    "income_item": pgettext_lazy("audit object", "收支台账"),
    "user": pgettext_lazy("audit object", "用户"),
    "api_token": pgettext_lazy("audit object", "API 令牌"),
    "audit_event": pgettext_lazy("audit object", "审计日志"),
    "monitoring_overview": pgettext_lazy("audit object", "监测概览"),
    "snapshot": pgettext_lazy("audit object", "数据快照"),
    "households": pgettext_lazy("audit object", "农户表"),
    "persons": pgettext_lazy("audit object", "家庭成员表"),
    "income_items": pgettext_lazy("audit object", "收支台账表"),
}

_ENABLED, _DISABLED = gettext_lazy("启用"), gettext_lazy("停用")
_YES, _NO, _EMPTY = gettext_lazy("是"), gettext_lazy("否"), gettext_lazy("空")
_SYSTEM, _FOUND, _NOT_FOUND = gettext_lazy("系统"), gettext_lazy("找到"), gettext_lazy("未找到")
_PROBLEMS = {"housing": "住房不安全", "water": "饮水不安全", "food": "吃穿未保障"}

# A filter's name, and its values' words (a dict of Chinese words, or None for data).
AUDIT_FILTERS: dict[str, tuple[str, dict | None]] = {
    "q": (gettext_lazy("搜索"), None),
    "division": (gettext_lazy("区划"), None),
    "village": (gettext_lazy("区划"), None),
    "risk": (gettext_lazy("风险"), schema.RISK),
    "status": (gettext_lazy("农户类型"), schema.STATUS),
    "category": (gettext_lazy("兜底类型"), schema.CATEGORY),
    "problem": (gettext_lazy("问题"), _PROBLEMS),
    "motivation": (gettext_lazy("内生动力"), {"poor": "内生动力不足"}),
    "monitor_type": (gettext_lazy("监测类型"), schema.MONITOR_TYPE),
    "stability": (gettext_lazy("稳定性"), schema.STABILITY),
    "reason": (gettext_lazy("风险原因"), schema.REASON),
    "username": (gettext_lazy("用户"), None),
    "user": (gettext_lazy("用户"), None),
    "action": (gettext_lazy("操作"), dict(AuditEvent.Action.choices)),
    "object_type": (gettext_lazy("对象类型"), AUDIT_OBJECT_TYPES),
    "object_id": (gettext_lazy("对象编号"), None),
    "date_from": (gettext_lazy("起始日期"), None),
    "date_to": (gettext_lazy("截止日期"), None),
    "sort": (gettext_lazy("排序"), None),
}

# Field names in "changes" ({field: [old, new]}), per object type.
AUDIT_FIELDS: dict[str, dict[str, str]] = {
    "user": {
        "username": gettext_lazy("用户名"), "display_name": gettext_lazy("姓名"), "role": gettext_lazy("角色"),
        "division": gettext_lazy("所属区划"), "phone": gettext_lazy("手机"), "is_active": gettext_lazy("状态"),
    },
}
# The registry's records change the fields of the data contract: named, and their codes
# in words, as the contract (engine.schema) names them.
_CONTRACT_TABLES = {"household": schema.HOUSEHOLDS, "person": schema.PERSONS, "income_item": schema.INCOME_ITEMS}
for _object_type, _table in _CONTRACT_TABLES.items():
    AUDIT_FIELDS[_object_type] = {column.name: column.zh for column in _table.columns}
AUDIT_FIELDS["household"]["village"] = schema.LEVELS["5"]
# Values in words per object type and field: the field's choices (a division by its name).
_FIELD_VALUES: dict[str, dict[str, dict]] = {
    object_type: {column.name: column.choices for column in table.columns if column.choices}
    for object_type, table in _CONTRACT_TABLES.items()
}
_FIELD_VALUES["user"] = {"role": dict(Role.choices)}
_DIVISION_FIELDS = {"division", "village"}


def audit_vocabulary_register(*, object_types: dict | None = None, filters: dict | None = None,
                              fields: dict[str, dict] | None = None,
                              values: dict[str, dict[str, dict]] | None = None) -> None:
    """Name a new app's words in the audit log's sentences (Chinese msgids through
    gettext_lazy): its object types {code: name}, export filters {name: (label, {code:
    words} or None)}, changed fields {object_type: {field: label}} and field values
    {object_type: {field: {code: words}}}."""
    AUDIT_OBJECT_TYPES.update(object_types or {})
    AUDIT_FILTERS.update(filters or {})
    for object_type, names in (fields or {}).items():
        AUDIT_FIELDS.setdefault(object_type, {}).update(names)
    for object_type, words in (values or {}).items():
        _FIELD_VALUES.setdefault(object_type, {}).update(words)


def _division_names(codes) -> dict[str, str]:
    # The registry's division model, reached through the user relation: platform imports
    # nothing of the registry above it.
    division_model = User._meta.get_field("division").related_model
    codes = {c for c in codes if c}
    return dict(division_model.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}


class _Words:
    """Builds one sentence as HTML (data in translate="no") or as plain text (exports)."""

    def __init__(self, html: bool, divisions: dict[str, str]):
        self.html = html
        self.divisions = divisions

    def data(self, value) -> str:
        text = "" if value is None else str(value)
        return format_html('<span translate="no">{}</span>', text) if self.html else text

    def words(self, msgid: str, **parts) -> str:
        """A translated phrase with {placeholders}; `parts` are already built."""
        template = gettext(msgid)
        return format_html(template, **parts) if self.html else template.format(**parts)

    def join(self, pieces, separator: str = "") -> str:
        pieces = [p for p in pieces if p]
        if self.html:
            return mark_safe(conditional_escape(separator).join(conditional_escape(p) for p in pieces))
        return separator.join(str(p) for p in pieces)

    def label(self, text) -> str:
        """A known word in the current language (a lazy translation, or a Chinese word of
        the engine's vocabulary looked up in the catalogue), escaped for HTML."""
        word = str(text) if isinstance(text, Promise) else gettext(text)
        return conditional_escape(word) if self.html else word

    def division(self, code: str) -> str:
        name = self.divisions.get(code)
        return self.data(f"{name} {code}" if name else code)

    def value(self, field: str, value, words: dict | None = None) -> str:
        if isinstance(value, bool):
            if field == "is_active":
                return self.label(_ENABLED if value else _DISABLED)
            return self.label(_YES if value else _NO)
        if value in (None, ""):
            return self.label(_EMPTY)
        if field in _DIVISION_FIELDS:
            return self.division(str(value))
        if words and str(value) in words:
            return self.label(words[str(value)])
        return self.data(value)


def _who(event: AuditEvent, w: _Words) -> str:
    if event.user is not None:
        return w.data(event.user.display_name or event.user.username)
    if event.username:
        return w.data(event.username)
    return w.label(_SYSTEM)


def _object_type(event: AuditEvent, w: _Words) -> str:
    name = AUDIT_OBJECT_TYPES.get(event.object_type)
    return w.label(name) if name is not None else w.data(event.object_type)


def _object(event: AuditEvent, w: _Words) -> str:
    """The object as the pages name it: a person by their masked ID number, a user by
    their username, anything else by its number."""
    if event.object_type == "person":
        return w.data(mask_id_number(event.object_id))
    if event.object_type == "user":
        return w.data(event.detail.get("username") or event.object_id)
    return w.data(event.object_id)


def _in_declared_order(items: dict, declared: dict) -> list:
    """`items` in the order their names are declared, unknown names after, alphabetically:
    PostgreSQL's jsonb keeps no key order, and a sentence must read the same on every
    database."""
    order = {name: i for i, name in enumerate(declared)}
    return sorted(items.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))


def _filters(filters: dict, w: _Words) -> str:
    pieces = []
    for name, value in _in_declared_order(filters, AUDIT_FILTERS):
        if value in (None, ""):
            continue
        label, words = AUDIT_FILTERS.get(name, (None, None))
        shown_name = w.label(label) if label is not None else w.data(name)
        pieces.append(w.words("{name} = {value}", name=shown_name, value=w.value(name, value, words)))
    return w.join(pieces, gettext("；"))


def _changes(event: AuditEvent, w: _Words) -> str:
    names = AUDIT_FIELDS.get(event.object_type, {})
    values = _FIELD_VALUES.get(event.object_type, {})
    pieces = []
    for field, pair in _in_declared_order(event.detail.get("changes") or {}, names):
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        label = w.label(names[field]) if field in names else w.data(field)
        words = values.get(field)
        pieces.append(w.words("{field}：{old} → {new}", field=label, old=w.value(field, old, words),
                              new=w.value(field, new, words)))
    return w.join(pieces, gettext("；"))


def _sentence(event: AuditEvent, w: _Words) -> str:
    detail = event.detail or {}
    who, kind, obj = _who(event, w), _object_type(event, w), _object(event, w)
    action = event.action
    Action = AuditEvent.Action
    if action == Action.LOGIN:
        return w.words("{who} 登录了系统", who=who)
    if action == Action.LOGIN_FAILED:
        attempts = int(detail.get("attempts", 1))
        if detail.get("over_limit"):
            return w.words("超出记录上限后又有 {count} 次登录失败", count=w.data(attempts))
        return w.words("用户名 {name} 登录失败 {count} 次", name=w.data(event.username or "—"),
                       count=w.data(attempts))
    if action == Action.VIEW_UNMASKED:
        if detail.get("lookup") == "id_number":
            found = w.label(_FOUND if detail.get("found") else _NOT_FOUND)
            return w.words("{who} 按完整证件号查询人员 {object}（{found}）", who=who, object=obj, found=found)
        if detail.get("kind") == "phone":
            return w.words("{who} 查看了用户 {object} 的完整手机号", who=who, object=obj)
        if event.object_type == "person":
            return w.words("{who} 查看了人员 {object} 的完整证件号", who=who, object=obj)
        return w.words("{who} 查看了{type} {object} 的完整信息", who=who, type=kind, object=obj)
    if action == Action.EXPORT:
        filters = _filters(detail.get("filters") or {}, w)
        rows = detail.get("rows")
        sentence = w.words("{who} 导出了{type}", who=who, type=kind)
        if filters:
            sentence = w.join([sentence, w.words("，筛选条件：{filters}", filters=filters)])
        if isinstance(rows, int):
            sentence = w.join([sentence, w.words("，共 {rows} 行", rows=w.data(intcomma(rows)))])
        return sentence
    if action == Action.IMPORT:
        if event.object_type == "snapshot":
            return w.words("{who} 导入了数据快照", who=who)
        counts = w.words("新增 {created}、更新 {updated}、未变 {unchanged}",
                         created=w.data(detail.get("created", 0)), updated=w.data(detail.get("updated", 0)),
                         unchanged=w.data(detail.get("unchanged", 0)))
        return w.words("{who} 导入了{type}（批次 {batch}，文件 {file}）：{counts}", who=who, type=kind,
                       batch=obj, file=w.data(detail.get("file", "")), counts=counts)
    if action == Action.CREATE:
        if detail.get("refused") == "already_registered":
            return w.words("{who} 试图新增已登记的{type} {object}，被拒绝", who=who, type=kind, object=obj)
        if event.object_type == "user":
            changes = detail.get("changes") or {}
            return w.words("{who} 新增了用户 {object}（角色 {role}，区划 {division}）", who=who, object=obj,
                           role=w.value("role", (changes.get("role") or [None, ""])[1], dict(Role.choices)),
                           division=w.value("division", (changes.get("division") or [None, ""])[1]))
        return w.words("{who} 新增了{type} {object}", who=who, type=kind, object=obj)
    if action == Action.UPDATE:
        changes = detail.get("changes") or {}
        if detail.get("password_reset"):
            return w.words("{who} 重置了用户 {object} 的密码", who=who, object=obj)
        if set(changes) == {"is_active"}:
            msgid = "{who} 启用了用户 {object}" if changes["is_active"][1] else "{who} 停用了用户 {object}"
            return w.words(msgid, who=who, object=obj)
        sentence = w.words("{who} 修改了{type} {object}", who=who, type=kind, object=obj)
        if changes:
            sentence = w.join([sentence, w.words("：{changes}", changes=_changes(event, w))])
        return sentence
    if action == Action.DELETE:
        return w.words("{who} 删除了{type} {object}", who=who, type=kind, object=obj)
    return w.words("{who} {action} {type} {object}", who=who, action=w.label(event.get_action_display()),
                   type=kind, object=obj)


def _division_codes_in(events) -> set[str]:
    codes = set()
    for event in events:
        detail = event.detail or {}
        codes.update(str(v) for k, v in (detail.get("filters") or {}).items() if k in _DIVISION_FIELDS and v)
        for field, pair in (detail.get("changes") or {}).items():
            if field in _DIVISION_FIELDS and isinstance(pair, list):
                codes.update(str(v) for v in pair if v)
    return codes


def audit_event_sentences(events, *, html: bool = True) -> list[str]:
    """Each event as one sentence in the current language (HTML with data marked
    translate="no", or plain text for exports); division names looked up once."""
    events = list(events)
    words = _Words(html, _division_names(_division_codes_in(events)))
    return [_sentence(event, words) for event in events]


def audit_event_sentence(event: AuditEvent, *, html: bool = False) -> str:
    """One event in words: "张三 导出了农户名单,筛选条件:风险 = 红色"."""
    return audit_event_sentences([event], html=html)[0]
