"""The projects app's API endpoints, found by autodiscover_modules("api"): each area
registers its viewsets on the shared router in its own `api_<area>.py`, imported here."""

# --- B ---
# --- C ---
# --- D ---
# --- E ---
# --- F ---
