# Two Sessions Tracker: `make run` sets up and starts the site, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEV := DJANGO_DEBUG=$${DJANGO_DEBUG:-true}

.PHONY: run test lint migrate seed check-deploy serve api-fuzz

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

migrate: $(BIN)/.installed
	$(DEV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(DEV) $(BIN)/python manage.py load_seed

run: seed
	@echo
	@echo "Two Sessions Tracker: http://127.0.0.1:8000/   editors' admin: http://127.0.0.1:8000/admin/"
	@echo "To sign in to the admin, create an account in another terminal:"
	@echo "    $(BIN)/python manage.py createsuperuser"
	@echo "Editors without full rights: add their accounts to the 'Editors' group in the admin."
	@echo
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# The 2020 data beside 3,000 synthetic proposals with whole timelines (referrals, replies, grades, overdue
# replies), in a database of its own, every page marked as a demo (TRACKER_DEMO). Made anew on each run.
DEMO_ENV := DJANGO_DEBUG=true TRACKER_DEMO=true DATABASE_URL=sqlite:///$(CURDIR)/demo.sqlite3
.PHONY: demo
demo: $(BIN)/.installed
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(DEMO_ENV) $(BIN)/python manage.py load_seed
	$(DEMO_ENV) $(BIN)/python manage.py seed_synthetic --proposals 3000 --force --clear
	@echo
	@echo "Two Sessions Tracker, demo with synthetic proposals: http://127.0.0.1:8000/"
	@echo
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# Installs Debian's chromium for the browser tests first if it is missing and this is root with apt-get; without
# it those tests are skipped, saying so (TRACKER_REQUIRE_BROWSER=1 makes that a failure, as in .ci/run).
test: $(BIN)/.installed tests/a11y/node_modules/.installed
	@sh tests/install_chromium.sh
	$(BIN)/pytest

# The page checkers (axe-core, the Nu Html Checker) at the versions tests/a11y/package-lock.json pins; without npm
# the page-check tests skip, saying how to run them.
tests/a11y/node_modules/.installed: tests/a11y/package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the page checks (axe, Nu Html Checker) will be skipped"; fi

# Production: DEBUG off, gunicorn (tracker/gunicorn.conf.py), static files by whitenoise. Needs DJANGO_SECRET_KEY,
# DJANGO_ALLOWED_HOSTS and DATABASE_URL in the environment; see "Production" in README.md.
serve: $(BIN)/.installed
	DJANGO_DEBUG=false $(BIN)/python manage.py check --deploy --fail-level WARNING
	DJANGO_DEBUG=false $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=false $(BIN)/python manage.py collectstatic --noinput -v0
	DJANGO_DEBUG=false $(BIN)/gunicorn -c tracker/gunicorn.conf.py

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(DEV) $(BIN)/python manage.py makemigrations --check --dry-run

# Schemathesis against the schema, on a throwaway database with the 2020 data and synthetic proposals, served by
# gunicorn on a free port: reads anonymous, writes with an editor's token; fails on any server error or any
# response the schema does not describe. DB=sqlite (default) or DB=postgresql (FUZZ_POSTGRES_URL, by default
# postgres://postgres@127.0.0.1:5432/postgres, is where the throwaway database is created and dropped).
DB ?= sqlite
api-fuzz: $(BIN)/.installed
	$(BIN)/python tests/api_fuzz.py --database $(DB)

# Backups (docs/operations.md): `make backup` writes the whole database to one file in the current directory
# (FILE=path to choose it); `make restore FILE=path` puts it back, into a database without tables unless FORCE=1.
.PHONY: backup restore
backup: $(BIN)/.installed
	$(DEV) $(BIN)/python manage.py backup_data $(if $(FILE),--output "$(FILE)")

restore: $(BIN)/.installed
	@test -n "$(FILE)" || { echo "usage: make restore FILE=path/to/backup [FORCE=1]" >&2; exit 2; }
	$(DEV) $(BIN)/python manage.py restore_data "$(FILE)" $(if $(FORCE),--force)

# Following (docs/follow.md). In production, next to `make serve`: one or more task workers, which send the
# confirmation mail and the webhooks, and `send_digests` every five minutes from cron or a systemd timer, e.g.
#   */5 * * * *  cd /srv/tracker && DJANGO_DEBUG=false .venv/bin/python manage.py send_digests
# While developing (`make run`), tasks run inside runserver and mail is printed on its console: no worker is
# needed, and `make digests` sends at once every digest with news.
.PHONY: worker digests
worker: $(BIN)/.installed
	DJANGO_DEBUG=$${DJANGO_DEBUG:-false} TASKS_BACKEND=database $(BIN)/python manage.py db_worker --no-reload

digests: $(BIN)/.installed
	$(DEV) $(BIN)/python manage.py send_digests --now

# Beyond one machine, on this one (docs/scaling.md): a PostgreSQL primary and a streaming replica, PgBouncer, Redis,
# two app servers and nginx in front on http://127.0.0.1:55480/; `make cluster-stop` stops them by their pids.
# `make cluster-test` starts it, loads it (an app server and the replica stopped under load, an editor's save seen
# at once, two servers against one) and stops it.
.PHONY: cluster cluster-stop cluster-test
cluster: $(BIN)/.installed
	bash deploy/cluster.sh start

cluster-stop:
	bash deploy/cluster.sh stop

cluster-test: $(BIN)/.installed
	TRACKER_CLUSTER=1 $(BIN)/pytest -q -s -p no:cacheprovider tests/test_cluster.py
