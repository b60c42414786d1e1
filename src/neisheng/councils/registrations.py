"""What the councils app adds to the platform's shared places: the audit log's words for
its records and exports, and the household page's card of the household's council
roles, attendance and suggestions or demands."""

from __future__ import annotations

SECTION_SHOWN = 5


def register() -> None:
    from django.utils.translation import gettext_lazy, pgettext_lazy

    from neisheng.platform.audit import audit_vocabulary_register
    from neisheng.platform.extensions import HouseholdSection, household_section_add

    audit_vocabulary_register(
        object_types={
            "council": pgettext_lazy("audit object", "扶贫理事会"),
            "council_list": pgettext_lazy("audit object", "理事会列表"),
            "council_member": pgettext_lazy("audit object", "理事会成员"),
            "council_meeting": pgettext_lazy("audit object", "理事会会议"),
            "council_item": pgettext_lazy("audit object", "群众建议或诉求"),
            "council_items": pgettext_lazy("audit object", "理事会的建议和诉求"),
            "council_response": pgettext_lazy("audit object", "建议或诉求的答复"),
            "council_note": pgettext_lazy("audit object", "理事会监督记录"),
        },
        fields={"council_member": {"ends_on": gettext_lazy("离任日期"), "end_reason": gettext_lazy("离任原因")}},
    )
    household_section_add(HouseholdSection(name="councils", template="councils/household_section.html",
                                           context=household_section, order=39))


def household_section(request, household) -> dict | None:
    """The household's council roles, the meetings it came to and its items; for those
    who keep the councils (persons.read and councils.record)."""
    from neisheng.councils import selectors
    from neisheng.councils.models import Attendance, CouncilMember, Item

    user = request.user
    if not selectors.may_read_names(user):
        return None
    roles = list(CouncilMember.objects.filter(household=household).select_related("council")
                 .order_by("ends_on", "-starts_on"))
    attendance = Attendance.objects.filter(household=household)
    attended = attendance.values("meeting_id").distinct().count()
    items = list(Item.objects.filter(household=household).order_by("-raised_on", "-pk")[:SECTION_SHOWN])
    if not roles and not attended and not items:
        return None
    last = attendance.select_related("meeting").order_by("-meeting__held_on").first()
    return {"household": household, "roles": roles, "attended": attended, "last": last, "items": items}
