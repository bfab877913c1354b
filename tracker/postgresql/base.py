"""Django's PostgreSQL backend, whose connections opened to serve a request carry the statement timeout.

The timeout is a libpq startup parameter, so it costs no statement; why it is set this way, and only for
requests, is in tracker/database_timeouts.py. `options` given in DATABASE_URL come after it, and win.
"""

from django.db.backends.postgresql import base

from tracker.database_timeouts import request_startup_options


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        startup = request_startup_options()
        if startup:
            params["options"] = f"{startup} {params['options']}" if params.get("options") else startup
        return params
