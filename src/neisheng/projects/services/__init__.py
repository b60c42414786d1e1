"""The projects app's writes, one module per area: projects.py (projects, funds,
expenditures, assets, beneficiaries, revenue, documents), plans.py (distribution plans
and payments), prices.py and renovations.py, audit.py (runs and findings)."""
