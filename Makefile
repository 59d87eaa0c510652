# Two entry points for a fresh Debian/Ubuntu machine:
#   make run    set everything up, load the demo meeting, start the server on 0.0.0.0:5000
#   make test   set everything up and run the whole test suite
# Both are idempotent: each step only redoes work whose inputs changed.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 0.0.0.0
PORT ?= 5000

# Debian packages: what WeasyPrint needs to lay out Chinese letters (Pango, the fast
# HarfBuzz subsetter, Noto CJK), and what the tests drive (Chromium, poppler's pdftotext).
APT_RUN := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-arphic-uming fonts-wqy-zenhei
APT_TEST := chromium poppler-utils

VENV_STAMP := $(VENV)/.requirements-installed
ASSETS_STAMP := static/vendor/.installed
MO := meeting/translations/zh_Hans_CN/LC_MESSAGES/messages.mo
PO := meeting/translations/zh_Hans_CN/LC_MESSAGES/messages.po

.PHONY: run test setup setup-test system system-test lint bench clean i18n

run: setup
	$(BIN)/python app.py --host $(HOST) --port $(PORT) --demo

test: setup-test
	$(BIN)/python -m pytest

setup: system $(VENV_STAMP) $(ASSETS_STAMP) $(MO)

setup-test: system-test setup

system:
	@APT_PACKAGES="$(APT_RUN)" PYTHON="$(PYTHON)" bash bin/ensure-system-packages

system-test:
	@APT_PACKAGES="$(APT_RUN) $(APT_TEST)" PYTHON="$(PYTHON)" bash bin/ensure-system-packages

$(VENV_STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(ASSETS_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/socket.io-client/dist/socket.io.min.js static/vendor/
	cp node_modules/sortablejs/Sortable.min.js static/vendor/
	touch $@

$(MO): $(PO) $(VENV_STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d meeting/translations -D messages --statistics

lint: $(VENV_STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/burst.py --delegates 300 --reporters 21
	$(BIN)/python bench/letters.py --reporters 50
	$(BIN)/python bench/fuzz.py --events 10000

clean:
	rm -rf $(VENV) node_modules static/vendor $(MO)

# Developer step after changing user-facing text: refresh the catalogue from the sources.
i18n: $(VENV_STAMP)
	$(BIN)/pybabel --quiet extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o /tmp/sanshu-messages.pot .
	$(BIN)/pybabel --quiet update -i /tmp/sanshu-messages.pot -d meeting/translations -D messages --no-fuzzy-matching --ignore-obsolete
