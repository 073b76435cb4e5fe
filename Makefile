# table_bookings — developer commands. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed

.PHONY: run install migrate seed test test-postgres lint format check clean cluster messages

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(PY) -m pytest -p no:cacheprovider -q $(PYTEST_ARGS)

test-postgres: install
	SKIP_CLUSTER_TESTS=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/test $(PY) -m pytest -p no:cacheprovider -q $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/cfn-lint deploy/cloudformation.yaml

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: install
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_DEBUG=false DJANGO_SECRET_KEY=check-deploy-only-$$(head -c 32 /dev/urandom | base64 | tr -dc A-Za-z0-9) \
	  DJANGO_ALLOWED_HOSTS=tablebookings.example DJANGO_CSRF_TRUSTED_ORIGINS=https://tablebookings.example \
	  $(PY) manage.py check --deploy --fail-level WARNING

# N identical instances behind HAProxy with TLS, S3 in moto, one shared database (README: Local cluster).
cluster: install
	$(PY) deploy/cluster.py

# After changing user-facing strings: update locale/ko/LC_MESSAGES/django.po (your translations are kept),
# translate the new entries, then run it again to compile. Commit django.po AND django.mo (CI has no gettext).
messages: install
	$(PY) manage.py makemessages -l ko --no-location --ignore=.venv --ignore=staticfiles --ignore=media --ignore=bench --ignore=tests
	$(PY) manage.py compilemessages -l ko --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
