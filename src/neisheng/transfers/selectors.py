"""Reads of the transfers workflow: uploads."""

from __future__ import annotations

from django.db.models import QuerySet

from neisheng.transfers.models import ImportBatch


def import_batches_of(user) -> QuerySet[ImportBatch]:
    """The user's own uploads, newest first. Those who oversee users (administrators) see
    the uploads of everyone whose division lies under theirs (everyone's, without a
    division): a batch is in scope by its uploader (ImportBatch.division_field), whose own
    scope its rows were checked against, so an administrator can never open, apply or
    discard an upload wider than their division."""
    from neisheng.accounts.access import USERS_OVERSEE, user_may
    from neisheng.platform import scope

    batches = ImportBatch.objects.select_related("uploaded_by")
    if user_may(user, USERS_OVERSEE):
        return scope.visible_to(user, batches) | batches.filter(uploaded_by=user)
    return batches.filter(uploaded_by=user)


def import_batch_summaries_of(user) -> QuerySet[ImportBatch]:
    """The user's uploads for a list: without the problems themselves (up to ISSUES_KEPT
    of them per batch), whose number is in `issues_total`."""
    return import_batches_of(user).defer("issues")
