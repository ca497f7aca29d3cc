"""Gunicorn settings for a Schoolalert web node: ``gunicorn -c deploy/gunicorn.conf.py``.

Copy this file to the node (for instance ``/etc/schoolalert/gunicorn.conf.py``). Every value can
be changed without editing it: through the ``GUNICORN_*`` variables and ``WEB_CONCURRENCY`` below
(not ``SCHOOLALERT_*``: those are the application's settings), or with gunicorn's own
command-line options, which take precedence over this file (``-b 127.0.0.1:8001``, ``-w 8``).

A node keeps no state of its own: sessions, tokens, rate limits and jobs live in PostgreSQL and
Redis, the encrypted images in the object store, so any number of nodes can serve behind the
reverse proxy (see docs/deployment.md).
"""

from __future__ import annotations

import multiprocessing
import os

# The application (gunicorn ≥ 20.1 reads it from here; no argument needed on the command line).
wsgi_app = "schoolalert:create_app()"

# Listen on the loopback (or a private interface): TLS ends at the reverse proxy in front.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Threads in a few worker processes: requests wait on PostgreSQL, Redis and the object store
# far more than they compute. WEB_CONCURRENCY is the usual way to set the process count.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Each process builds its own app and database pool after the fork (nothing shared by preload).
preload_app = False

# A stuck request is cut off; a graceful restart lets the running ones finish.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20

# One request per connection. A worker keeps every connection it accepted, and a worker busy
# computing watermarks cannot lend its requests to an idle one: with connections kept open (by
# the reverse proxy's upstream pool or by clients), they gather on whichever worker accepted them
# first (after a worker is renewed, on the ones left), and the others idle while one saturates.
# A new connection per request lets the least busy worker take each one; on the loopback or a
# private network the extra connection costs far less than a request does.
keepalive = 0

# Workers are renewed now and then, at different moments, to bound memory growth. Not too often:
# a new worker imports and builds the application again, a few CPU-seconds that it takes from the
# requests (2,000 requests per worker pass in a minute or two of a national alert's morning).
max_requests = 20000
max_requests_jitter = 2000

# The request line and headers are bounded; bodies are bounded by the app (MAX_CONTENT_LENGTH).
limit_request_line = 8190
limit_request_fields = 100

# Which peers may set X-Forwarded-Proto/-For for gunicorn itself. The app reads the forwarded
# headers only through SCHOOLALERT_TRUSTED_PROXIES (the number of proxies in front of it).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs to standard output and error, for journald (the app logs there too).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The path without its query string (%(U)s), and the request id the app logs too.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s" %({x-request-id}o)s'
proc_name = "schoolalert-web"

# No runtime control socket (gunicorn ≥ 27): nothing uses it, and nodes on one host would share
# its default path. Older gunicorn versions ignore this name.
control_socket_disable = True
