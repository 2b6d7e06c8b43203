"""gunicorn's settings for production (the Docker image and the production smoke test both start it with this file).

Every value can be changed from the environment without rebuilding: GUNICORN_BIND, WEB_CONCURRENCY (worker
processes), GUNICORN_THREADS, GUNICORN_TIMEOUT. Access and error logs go to standard output and error, where the
container runtime collects them; the application's own logs are JSON (config.logging).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(multiprocessing.cpu_count() * 2 + 1, 8))))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak cannot grow without bound; the jitter keeps them from restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# A request id from the load balancer (X-Request-ID) is logged by the application; the access log names it too.
# The worker's process id too: which of the web server's processes answered.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(L)ss rid=%({x-request-id}o)s pid=%(p)s'
# Behind a proxy that terminates TLS, trust its X-Forwarded-* headers (set FORWARDED_ALLOW_IPS to its address).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The temporary files workers use to tell the arbiter they are alive go to memory, not a container's slow disk.
SHARED_MEMORY = "/dev/shm"  # noqa: S108 (gunicorn's own advice for containers; the files hold no data)
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None)
