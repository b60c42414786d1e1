"""The uploads card on the home page (platform.extensions work card, registered in
TransfersConfig.ready()): a department clerk's own uploads, newest first, with their
status and problems; for officers who upload, only while one of theirs awaits a decision."""

from __future__ import annotations

from neisheng.accounts.access import REGISTRY_EDIT, Role, user_may
from neisheng.platform.extensions import WorkCard, work_card_add
from neisheng.transfers.models import ImportBatch

SHOWN = 5


def uploads_context(request) -> dict | None:
    user = request.user
    own = ImportBatch.objects.filter(uploaded_by=user).order_by("-created_at", "-id")
    waiting = own.filter(status=ImportBatch.Status.PENDING)
    # Every home page of an officer asks; an index lookup answers, not a count.
    if user.role != Role.DEPARTMENT and not waiting.exists():
        return None
    batches = list(own[:SHOWN])
    return {
        "batches": batches,
        "pending": waiting.count(),
        # Of the uploads listed, so the count and the list under it agree.
        "with_problems": sum(1 for batch in batches if batch.issues_total),
        "may_upload": user_may(user, REGISTRY_EDIT),
    }


def register() -> None:
    work_card_add(WorkCard(name="uploads", template="transfers/work_uploads.html", context=uploads_context, order=20))
