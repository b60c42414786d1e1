# The two commands of the README: `make demo` and `make test`. Everything else is set-up.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced

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

test: setup
	$(VENV)/bin/python -m pytest -n 2 --dist loadfile

bench: setup
	$(VENV)/bin/python benchmarks/synth.py

clean:
	rm -rf $(VENV) $(TOOLS) var out
