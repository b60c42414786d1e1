from django.urls import path  # noqa: F401

app_name = "projects"
urlpatterns: list = []

# --- B: projects, funds, expenditures, assets, beneficiaries, revenue, documents, imports ---

# --- C: distribution plans and payments ---

# --- D: reference price lists and renovations ---

# --- E: audit findings and runs ---

# --- F: division reports (funds by source, dividends per household, households receiving nothing) ---
