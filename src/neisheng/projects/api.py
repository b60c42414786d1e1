"""The projects app's API endpoints, found by autodiscover_modules("api"): each area
registers its viewsets on the shared router in its own `api_<area>.py`, imported here."""

# --- B ---
# --- C ---
# --- D ---
# --- E ---
from neisheng.projects import (
    api_audit,  # noqa: F401
    api_plans,  # noqa: F401
    api_projects,  # noqa: F401
    api_renovations,  # noqa: F401
)
# --- F ---
