# make up   - install what is missing, then run the hotline in the foreground
# make test - install what is missing, then run every test (end-to-end included)
# make bench - install what is missing, then run every benchmark (bench/run.py, about an hour)
VENV   := .venv
PYTHON ?= python3
ARGS   ?=

.PHONY: install system asterisk venv up test bench clean

install: system asterisk venv

system:
	bash scripts/install-system.sh

asterisk:
	bash scripts/install-asterisk.sh

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

up: install
	$(VENV)/bin/hotline up $(ARGS)

test: install
	$(VENV)/bin/pytest -q -ra

# make bench [ARGS="--only latency,capacity --quick"]: every benchmark, one table, bench/results.json
bench: install
	bash scripts/install-bench.sh $(VENV)
	$(VENV)/bin/python -m bench.run $(ARGS)

clean:
	rm -rf $(VENV) var *.egg-info
