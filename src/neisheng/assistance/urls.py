from django.urls import path  # noqa: F401

app_name = "assistance"
urlpatterns: list = []

# --- C: coverage, village industries, poor villages ---
urlpatterns += [
]

# --- D: overdue first measures, household assistance plan ---
urlpatterns += [
]

# --- E: trainings, meetings, imports, the household's activities ---
urlpatterns += [
]

# --- F: job placements, welfare posts, industry participation ---
urlpatterns += [
]

# --- G: microcredit, education aid, insurance ---
urlpatterns += [
]

# --- H: evaluation ---
urlpatterns += [
]
