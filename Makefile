# make up   - install what is missing, then run the hotline in the foreground
# make test - install what is missing, then run every test (end-to-end included)
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

clean:
	rm -rf $(VENV) var *.egg-info
