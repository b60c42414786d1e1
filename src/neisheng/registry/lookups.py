"""Finding a person by their full ID number, the one lookup that can confirm a guess.

A role that may not unmask sees masked numbers (3704**********0012) and the birth year;
if it could also ask "is 370402199001010012 registered?" it would rebuild every full
number in a few requests (issue 7, row 3). So such roles are refused lookups by full ID
number everywhere (the API's addresses, the list search), with the answer "not found"
that a number nobody has gets, and every lookup by full number, by anyone, allowed or
not, found or not, is recorded in the audit trail with the village concerned.
"""

from __future__ import annotations

from django.db import transaction

from neisheng.accounts.access import PERSON_UNMASK, user_may
from neisheng.accounts.services import audit_record
from neisheng.platform import scope
from neisheng.registry.models import Person

LOOKUP_ACTION = "view_unmasked"


def looks_like_id_number(text: str) -> bool:
    text = (text or "").strip()
    return len(text) == 18 and text[:17].isdigit() and text[17] in "0123456789Xx"


def normalised_id_number(text: str) -> str:
    text = text.strip()
    return text[:17] + text[17].upper()


@transaction.atomic
def id_number_lookup_record(*, user, number: str, via: str, allowed: bool, found: bool, request=None) -> None:
    """One audit event for one lookup by full ID number. The village is that of the
    person with the number wherever they are registered, so the division's administrator
    sees probes of their people even from outside (the event's division is that village)."""
    village = (Person.objects.filter(pk=number).values_list("household__village_id", flat=True).first())
    audit_record(
        user=user, action=LOOKUP_ACTION, division_code=village, object_type="person", object_id=number,
        detail={"lookup": "id_number", "via": via, "allowed": allowed, "found": found, "village": village,
                **({"path": request.path} if request is not None else {})},
        request=request,
    )


def person_by_id_number(user, text: str, *, via: str, request=None) -> Person | None:
    """The person in the user's scope with this full ID number, audited; None for a role
    that may not unmask, exactly as for a number nobody in scope has."""
    number = normalised_id_number(text)
    allowed = user_may(user, PERSON_UNMASK)
    person = scope.visible_to(user, Person).filter(pk=number).first() if allowed else None
    id_number_lookup_record(user=user, number=number, via=via, allowed=allowed, found=person is not None,
                            request=request)
    return person


# --- Registering a number that is already taken ------------------------------------
# A number is unique across the county, so registering one already taken must fail. The
# answer is the same wherever the record is (this village, another, another county) and
# names no household or village: it tells a cadre only what the unique key forces it to
# tell, and the attempt is audited so the county office can follow up (usually a person
# who moved, whose record it transfers). Pages, API and uploads say it in these words.

ALREADY_REGISTERED = (
    "该号码已经登记,不能再次登记;如需迁户或更正,请联系县级管理员",
    ("this number is already registered and cannot be registered again; "
     "to move or correct a record, ask the county office"),
)


@transaction.atomic
def already_registered_record(*, user, object_type: str, number: str, via: str, request=None) -> None:
    """Audit a refused registration of an existing person or household number, with the
    village the existing record lies in (for the county's follow-up, not for the user)."""
    from neisheng.registry.models import Household

    if object_type == "person":
        village = Person.objects.filter(pk=number).values_list("household__village_id", flat=True).first()
    else:
        village = Household.objects.filter(pk=number).values_list("village_id", flat=True).first()
    audit_record(user=user, action="create", division_code=village, object_type=object_type, object_id=number,
                 detail={"refused": "already_registered", "via": via, "village": village},
                 request=request)


@transaction.atomic
def id_suffix_lookup_record(*, user, suffix: str, via: str, found: int, request=None) -> None:
    """One audit event for one search by the last digits of ID numbers (only roles that
    may unmask search them): such a search lists everyone whose number ends so, which is
    how a number is narrowed down. Recorded under the searching user's division, with
    how many persons in their scope matched."""
    audit_record(
        user=user, action=LOOKUP_ACTION, division_code=user.division_id, object_type="person", object_id="",
        detail={"lookup": "id_suffix", "via": via, "suffix": suffix, "found": found,
                **({"path": request.path} if request is not None else {})},
        request=request,
    )
