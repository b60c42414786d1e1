import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, what: str) -> None:
    """Skip a test whose service is missing on a developer's machine; in CI fail instead,
    so a green CI never hides a test that did not run."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {what} is not available")
    pytest.skip(f"{what} is not available")


def require_java() -> None:
    require(shutil.which("java") is not None, "Java (for Spark)")


@pytest.fixture(scope="session")
def small_county():
    """A small synthetic county's tables, built once per test session."""
    from neisheng.synth import generate_county

    return generate_county(households=600, seed=7, year=2026)
