"""What the archives app adds to the platform's shared places: the audit log's words for
its records and exports, and the household page's card of the household's file."""

from __future__ import annotations


def register() -> None:
    from django.utils.translation import gettext_lazy, pgettext_lazy

    from neisheng.archives.models import CATEGORY_LABELS, DOCUMENT_TYPE_LABELS
    from neisheng.platform.audit import audit_vocabulary_register
    from neisheng.platform.extensions import HouseholdSection, household_section_add

    audit_vocabulary_register(
        object_types={
            "archive_document": pgettext_lazy("audit object", "档案中的文件"),
            "archive_documents": pgettext_lazy("audit object", "档案文件列表"),
            "archive_file": pgettext_lazy("audit object", "农户档案册"),
            "archive_gaps": pgettext_lazy("audit object", "各村档案缺项统计"),
            "archive_households": pgettext_lazy("audit object", "档案缺项农户名单"),
            "student_file": pgettext_lazy("audit object", "学生个人档案"),
            "student_aid": pgettext_lazy("audit object", "学生资助"),
            "student_plan": pgettext_lazy("audit object", "学生帮扶方案"),
        },
        # Named apart from other lists' "category" (problems) and "state".
        filters={"archive_category": (gettext_lazy("档案类别"), dict(CATEGORY_LABELS)),
                 "archive_doc_type": (gettext_lazy("文件类型"), dict(DOCUMENT_TYPE_LABELS)),
                 "archive_missing": (gettext_lazy("缺项"), None)},
        fields={"archive_document": {"category": gettext_lazy("档案类别"), "doc_type": gettext_lazy("文件类型"),
                                     "version": gettext_lazy("版本"), "reason": gettext_lazy("说明")}},
        values={"archive_document": {"category": dict(CATEGORY_LABELS), "doc_type": dict(DOCUMENT_TYPE_LABELS)}},
    )
    household_section_add(HouseholdSection(name="archives", template="archives/household_section.html",
                                           context=household_section, order=38))


def household_section(request, household) -> dict | None:
    """The household page's "农户档案" card: how complete the file is, for roles that read
    the archives."""
    from neisheng.accounts.access import ARCHIVES_READ, PERSONS_READ, user_may
    from neisheng.archives import selectors
    from neisheng.archives.models import StudentFile

    user = request.user
    if not (user_may(user, ARCHIVES_READ) and user_may(user, PERSONS_READ)):
        return None
    completeness, documents = selectors.household_completeness(household)
    gaps = completeness.households
    return {"household": household, "checked": bool(gaps), "missing": len(gaps[0].missing) if gaps else 0,
            "required": gaps[0].required if gaps else 0, "documents": documents,
            "students": StudentFile.objects.filter(household=household).count()}
