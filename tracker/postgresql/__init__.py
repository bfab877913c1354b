"""The PostgreSQL backend the settings name as ENGINE "tracker.postgresql" (see base.py)."""
