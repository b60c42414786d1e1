"""The grid's routes: cadres and pairs (helper B's region) and the assignment, coverage and
public boards (helper C's region)."""

from django.urls import path  # noqa: F401

app_name = "grid"

# --- cadres, pairs, imports (B) ---
core_urlpatterns: list = []

# --- assignment, coverage, public boards (C) ---
coverage_urlpatterns: list = []

urlpatterns = core_urlpatterns + coverage_urlpatterns
