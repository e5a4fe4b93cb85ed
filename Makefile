# KAM — two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MO     := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

# The settings refuse to start without a secret key (unless KAM_DEBUG=1). Unless you set
# KAM_SECRET_KEY or KAM_SECRET_KEY_FILE yourself, every `kam` below gets a random key that
# `make secret` generates once into $(KAM_DATA_DIR)/secret_key (mode 600, never overwritten).
KAM_DATA_DIR ?= var
SECRET_KEY_FILE := $(KAM_DATA_DIR)/secret_key
ifeq ($(strip $(value KAM_SECRET_KEY)$(value KAM_SECRET_KEY_FILE)),)
KAM    := KAM_SECRET_KEY_FILE=$(SECRET_KEY_FILE) $(BIN)/kam
SECRET := $(SECRET_KEY_FILE)
else
KAM    := $(BIN)/kam
SECRET :=
endif

.PHONY: run dev test test-fast venv secret migrate demo serve lint format openapi bench browser messages clean

run: venv secret migrate demo serve ## venv + install + migrate + demo company + serve on http://127.0.0.1:8000 (PORT=…) + one job worker

# tests run on every core (pytest-xdist); PYTEST_WORKERS=0 runs them in this process
PYTEST_WORKERS ?= auto

test: venv browser ## the whole suite (browser tests included), with the coverage floor
	$(BIN)/pytest -n $(PYTEST_WORKERS) --cov --cov-report=term

test-fast: venv ## the suite without the browser and subprocess tests
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not browser and not slow"

venv: $(STAMP) $(MO)

%.mo: %.po $(STAMP)
	$(BIN)/python scripts/messages.py compile

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "KAM needs Python >= 3.11"' \
		|| { echo "KAM needs Python >= 3.11 (set PYTHON=python3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

secret: $(SECRET) ## the development secret key $(KAM_DATA_DIR)/secret_key (made once, kept)

$(SECRET_KEY_FILE):
	@mkdir -p $(@D)
	@umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@.tmp && mv $@.tmp $@
	@echo "generated a random secret key in $@ (kept; set KAM_SECRET_KEY or KAM_SECRET_KEY_FILE in production)"

migrate: venv secret
	$(KAM) migrate --noinput

demo: venv secret
	$(KAM) demo

PORT ?= 8000
BIND ?= 127.0.0.1:$(PORT)

# the web server and one background-job worker together (Ctrl-C stops both); at scale run
# `kam serve` and any number of `kam worker` separately (README "Background jobs")
serve: venv secret
	$(KAM) serve --bind $(BIND) --with-worker

dev: venv secret migrate demo ## the development server: auto-reload, tracebacks (KAM_DEBUG=1), on $(BIND), + one job worker
	KAM_DEBUG=1 $(KAM) worker --exit-with-parent $$$$ & KAM_DEBUG=1 $(KAM) runserver $(BIND)

browser: ## Debian's chromium for the Playwright tests (installed when missing and we are root)
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; \
		else \
			echo "Browser tests need Debian's chromium: sudo apt-get install chromium fonts-wqy-microhei"; exit 1; \
		fi; \
	fi

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

openapi: venv secret ## regenerate the committed openapi.yaml
	$(KAM) spectacular --lang en --validate --fail-on-warn --file openapi.yaml

messages: venv secret ## refresh and compile the zh_Hans and en catalogues (needs gettext)
	$(KAM) makemessages -l zh_Hans -l en --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'static/*'
	$(BIN)/python scripts/messages.py fill-en
	$(BIN)/python scripts/messages.py compile

bench: venv secret ## performance benchmark on 100,000 customers (see README)
	$(KAM) bench --customers 100000

clean:
	rm -rf $(VENV) var .pytest_cache
