"""People in scope: the users whose division lies under a user's, and whose phone
number a user may see. People (their phone numbers, their uploads) are in scope exactly
as the places they work for are (issue 7, row 10)."""

from __future__ import annotations

from neisheng.accounts.access import PERSON_UNMASK, USERS_OVERSEE, user_may
from neisheng.accounts.models import User
from neisheng.platform import scope


def user_may_reveal_phone_of(user, owner: User) -> bool:
    """A user's own phone number: those who oversee users, within their scope, and
    unmasking officers of the very same division (a colleague's number, not everyone's
    below them)."""
    if not user_may(user, PERSON_UNMASK):
        return False
    if user_may(user, USERS_OVERSEE):
        return scope.code_range(user) is None or scope.code_is_within(user, owner.division_id)
    return user.division_id is not None and owner.division_id == user.division_id


def user_phone_revealable_by(user, owner_id) -> User | None:
    """The user whose phone number `user` may see, or None."""
    try:
        owner_pk = int(owner_id)
    except (TypeError, ValueError):
        return None
    owner = User.objects.filter(pk=owner_pk).first()
    if owner is None or not user_may_reveal_phone_of(user, owner):
        return None
    return owner
