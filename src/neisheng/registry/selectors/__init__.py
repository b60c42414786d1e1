"""Reads of the registry for the pages, one module per concern:

- `figures`: the home page's key figures, and the per-scope cache of county-wide counts;
- `tree`: the division tree and the breadcrumb;
- `listing`: the household list, its filters and search, pages and the Excel export;
- `household_file`: one household's members, ledger and guarantees;
- `history`: who changed what in a household's file.

Every read starts from neisheng.platform.scope, so nothing outside the user's division can
appear. A county holds up to a million households, so figures and counts are single
aggregate queries (COUNT … FILTER in PostgreSQL) and lists fetch one page of households and
then only those households' members; nothing loops over the whole registry in Python.
"""
