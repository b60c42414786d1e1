"""The positive twin of every negative case of test_scope_matrix.py: the same role inside
the division gets the page and sees the household or village. A file of its own because
`pytest -n 2 --dist loadfile` runs a file on one worker: the matrix's two halves (each
thousands of role × endpoint cases) then run side by side instead of one after the other."""

from __future__ import annotations

import pytest
from tests.web import test_scope_matrix as matrix
from tests.web.test_scope_matrix import ENDPOINTS, IDS, PLACE, ROLES, _body_text, _fetch, _signed_in

from neisheng.transfers.models import ImportBatch

pytestmark = pytest.mark.slow

# The fixtures, shared with the negative cases (each file makes its records once).
target = matrix.target
_matrix_world = matrix._matrix_world


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
@pytest.mark.parametrize("role", ROLES)
def test_the_same_role_inside_the_division_sees_it(client, make_user, places, target, role, endpoint):
    user = _signed_in(client, make_user, places, role, PLACE[role])
    if endpoint.owned:
        ImportBatch.objects.filter(pk=target.batch).update(uploaded_by=user)
    response = _fetch(client, endpoint, target)
    if endpoint.denied_to(role):
        assert response.status_code in {403, endpoint.refused_as}, response.status_code
        assert target.household not in _body_text(response)
        return
    assert response.status_code == endpoint.answers, response.status_code
    if endpoint.shows and endpoint.answers == 200:
        assert getattr(target, endpoint.shows) in _body_text(response)
