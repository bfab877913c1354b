"""gunicorn settings for production serving (`make serve`); every value can be set from the environment.

GUNICORN_WORKERS (or WEB_CONCURRENCY): worker processes, default two per CPU core plus one.
GUNICORN_BIND: address and port, default 127.0.0.1:8000 (put a reverse proxy or load balancer in front).
GUNICORN_TIMEOUT, GUNICORN_MAX_REQUESTS: request timeout in seconds, and requests before a worker is recycled.
"""

import multiprocessing
import os

wsgi_app = "tracker.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(
    os.environ.get("GUNICORN_WORKERS") or os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1
)
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Recycling workers now and then bounds the growth of any slow leak; jitter keeps them from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# Load Django once in the master, so workers share its memory and a broken configuration fails at start.
preload_app = True
# The proxy in front sets X-Forwarded-Proto; only trust it from the addresses named here.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
