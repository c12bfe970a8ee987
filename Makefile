# The two commands: `make demo` (the main job) and `make test` (the whole test suite).
# Both set everything up first on a fresh machine.
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: setup demo test
setup: $(STAMP)

$(STAMP): pyproject.toml tools/setup.sh
	bash tools/setup.sh
	touch $@

demo: $(STAMP)
	$(VENV)/bin/dlgrade demo

test: $(STAMP)
	$(VENV)/bin/python -m pytest -n 2 --dist loadgroup $(ARGS)  # make test ARGS="-k rnn_cell": one assignment
