"""Roles × capabilities is one table of data, and every reader refuses unknown names."""

import pytest

from neisheng.accounts.access import (
    CAPABILITIES,
    ROLE_CAPABILITIES,
    Role,
    role_may,
    roles_with,
    user_may,
)


def test_every_role_has_a_row_and_every_grant_is_a_known_capability():
    assert set(ROLE_CAPABILITIES) == set(Role)
    for granted in ROLE_CAPABILITIES.values():
        assert granted <= set(CAPABILITIES)


def test_the_table_says_what_the_roles_have_always_been_allowed():
    assert roles_with("registry.edit") == {"county", "town", "village", "admin"}
    assert roles_with("person.unmask") == {"county", "town", "village", "assistance", "auditor", "admin"}
    assert roles_with("persons.read") == set(Role) - {"researcher"}
    # Issue 9: the auditor reads the audit log of its division; only administrators manage users.
    assert roles_with("audit.read") == {"admin", "auditor"}
    assert roles_with("users.manage") == {"admin"}


def test_an_unknown_capability_is_an_error_not_a_quiet_refusal():
    with pytest.raises(KeyError):
        role_may("admin", "registry.edti")
    with pytest.raises(KeyError):
        user_may(None, "registry.edti")
