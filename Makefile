# The two commands of the README: `make demo` and `make test`. Everything else is set-up.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced
# A live server's tests empty the database after each test; they run in a process of
# their own so the shared registry fixture stays loaded for every other test.
BROWSER_TESTS := tests/web/test_browser.py tests/web/test_ui_patterns.py tests/web/test_accessibility.py tests/web/test_role_homes.py \
	tests/web/test_cases_browser.py tests/web/test_portrait_browser.py tests/web/test_dashboard_browser.py \
	tests/web/test_warnings_browser.py tests/web/test_visits_offline_browser.py tests/web/test_problems_browser.py \
	tests/web/test_grid_screenshots.py tests/web/test_feeds_browser.py tests/web/test_feeds_screenshots.py \
	tests/web/test_measures_screenshots.py tests/web/test_projects_screenshots.py \
	tests/web/test_surveys_browser.py tests/web/test_surveys_screenshots.py \
	tests/web/test_archives_screenshots.py tests/web/test_honours_screenshots.py tests/web/test_councils_screenshots.py
IGNORE_BROWSER_TESTS := $(addprefix --ignore=,$(BROWSER_TESTS))

.PHONY: demo test setup bench clean

setup: $(STAMP)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(STAMP): $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $(STAMP)

demo: setup
	$(VENV)/bin/neisheng demo

# The import layers first (.importlinter: a new cycle fails here); every test but the
# browsers' on SQLite; then, when NEISHENG_TEST_DATABASE_URL names a PostgreSQL database
# (.ci/run sets one up), the web tests again on PostgreSQL, where pytest-django creates
# test_<name> (the role needs CREATEDB). CI must not pass on SQLite alone. The browser
# tests run once: on PostgreSQL, the production database, when there is one, else on
# SQLite. Some tests run once whatever DATABASE_URL says (ONCE): the concurrency test
# starts a server on a SQLite database of its own, and the one-language walk checks the
# words of every page, which no database changes (its pages' queries run on PostgreSQL in
# the scope matrix).
# xdist starts the modules marked slow first (conftest.py orders them; the default order,
# by number of tests, left a few long modules to one worker at the end).
ONCE := --ignore=src/neisheng/registry/tests/test_concurrency.py --ignore=src/neisheng/web/tests/test_one_language.py
XDIST := -n 2 --dist loadfile --no-loadscope-reorder
test: setup
	@if [ "$$CI" = "true" ] && [ -z "$$NEISHENG_TEST_DATABASE_URL" ]; then \
		echo "CI=true but NEISHENG_TEST_DATABASE_URL is not set: in CI the web tests must also run on PostgreSQL (.ci/run sets it up)" >&2; \
		exit 1; \
	fi
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/python -m pytest $(XDIST) $(IGNORE_BROWSER_TESTS)
	@if [ -n "$$NEISHENG_TEST_DATABASE_URL" ]; then \
		echo "web tests on PostgreSQL"; \
		DATABASE_URL="$$NEISHENG_TEST_DATABASE_URL" $(VENV)/bin/python -m pytest $(XDIST) src/neisheng tests/web $(IGNORE_BROWSER_TESTS) $(ONCE) && \
		echo "browser tests on PostgreSQL" && \
		DATABASE_URL="$$NEISHENG_TEST_DATABASE_URL" $(VENV)/bin/python -m pytest -p no:xdist $(BROWSER_TESTS); \
	else \
		echo "browser tests on SQLite"; \
		$(VENV)/bin/python -m pytest -p no:xdist $(BROWSER_TESTS); \
	fi

bench: setup
	$(VENV)/bin/python benchmarks/synth.py

clean:
	rm -rf $(VENV) $(TOOLS) var out
