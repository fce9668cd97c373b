"""gunicorn settings for ``make run``: slow and idle phones must not hold the site up.

Phones on 2G send a form at a few bytes a second, and browsers open connections they never use.
A sync worker is held by each of them for the whole time (two idle connections stalled both of
``make run``'s former two sync workers for 30 s). Threaded workers (``gthread``) wait for idle
connections on a poller, without a thread, and give a slow upload one thread of many while the
others keep serving. Behind a buffering proxy (nginx) this costs nothing; without one it is what
keeps the site answering. Figures: docs/benchmarks.md ("Slow and idle clients").

Environment: ``PORT`` (8000), ``WORKERS`` (2), ``THREADS`` (16 a worker).
"""

import os

bind = [f"127.0.0.1:{os.environ.get('PORT', '8000')}"]
workers = int(os.environ.get("WORKERS", "2"))
worker_class = "gthread"
#: Each slow upload holds one thread until its body is in; 16 a worker leave room for ten slow
#: phones on one worker while the rest of the site answers. A thread that hashes a PIN uses
#: 19 MiB while it does, so this also bounds memory (2 x 16 x 19 MiB at the very worst).
threads = int(os.environ.get("THREADS", "16"))
#: Open connections a worker keeps at most (idle ones cost a socket, not a thread).
worker_connections = 1000
#: Seconds an idle kept-alive (or never used) connection is kept: enough for a phone's next tap.
keepalive = 5
#: A worker whose main loop is silent this long is restarted (requests themselves are not timed).
timeout = 60
graceful_timeout = 30
