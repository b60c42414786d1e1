"""The assistance app's API endpoints, found by autodiscover_modules("api"): each area
registers its viewsets on the shared router in its own `api_<area>.py`, imported here."""

# --- E ---
# --- F ---
# --- G ---
from neisheng.assistance import (
    api_credit,  # noqa: F401
    api_trainings,  # noqa: F401
    api_work,  # noqa: F401
)
