import pytest


@pytest.fixture(scope="session")
def small_county():
    """A small synthetic county's tables, built once per test session."""
    from neisheng.synth import generate_county

    return generate_county(households=600, seed=7, year=2026)
