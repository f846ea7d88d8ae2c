"""gunicorn settings of the registry's web service (`gunicorn -c infra/gunicorn.conf.py web.wsgi:app`).

Workers open the registry after the fork, as each starts (post_worker_init), so no
database connection is shared across processes and the first request finds it open.
The views are kept current by the separate `registry projections run` service, hence
REGISTRY_FOLLOW=0 for the workers.
"""

import multiprocessing
import os
import tempfile
from pathlib import Path

bind = os.environ.get("REGISTRY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("REGISTRY_WEB_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("REGISTRY_WEB_THREADS", "4"))
preload_app = False  # never open the registry in the master
timeout = 60
graceful_timeout = 20
keepalive = 5
max_requests = 20_000  # recycle workers now and then (bounded memory)
max_requests_jitter = 2_000
accesslog = os.environ.get("REGISTRY_ACCESS_LOG", "-")
# gunicorn's default line, plus how long the worker took (ms): slow reads show in the log.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
errorlog = "-"
loglevel = os.environ.get("REGISTRY_LOG_LEVEL", "info")
proc_name = "registry-web"
forwarded_allow_ips = os.environ.get("REGISTRY_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Production sits behind the TLS proxy of infra/README.md: Secure session cookie and HSTS,
# the client's address from the proxy's X-Forwarded-For (one trusted hop; gunicorn binds
# to 127.0.0.1, so nothing else can send one), throttling counters in the local Redis,
# shared by every worker (web/throttle.py). registry.env may override each.
PRODUCTION = {
    "REGISTRY_TLS": "1",
    "REGISTRY_PROXY_HOPS": "1",
    "REGISTRY_RATE_LIMIT_STORAGE": "redis://127.0.0.1:6379/0",
}
raw_env = ["REGISTRY_FOLLOW=" + os.environ.get("REGISTRY_FOLLOW", "0")] + [
    f"{name}={os.environ.get(name, value)}" for name, value in PRODUCTION.items()
]
# Every worker's request metrics, added up at each scrape of /metrics (web/metrics.py):
# the service unit gives a runtime directory; otherwise a fresh one for this server.
metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="registry-metrics-")
)
# Imported here, once, and only now: prometheus-client picks its multiprocess values when
# first imported (so after the directory is set, or the forked workers count in memory
# alone), and child_exit runs in the master's SIGCHLD handler, where an import (of the
# web app's modules, as it once did) can be interrupted by the next worker's exit and
# fail as a circular import, killing the master on its way down.
from prometheus_client import multiprocess  # noqa: E402  (after the directory above)


def on_starting(server):
    """Refuse to start on a read database that is no standby of the primary; start the
    metrics afresh: samples of an earlier server in the same directory go."""
    from registry.bootstrap import check_read_database
    from registry.domain.errors import RegistryError
    from registry.settings import Settings

    try:
        check_read_database(Settings.from_env())
    except RegistryError as error:
        raise SystemExit(f"registry: {error.message} [{error.code}]") from None
    except ConnectionError as error:  # the read database cannot be reached
        raise SystemExit(f"registry: {error} [database_unavailable]") from None
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def post_worker_init(worker):
    """Open the worker's registry as it starts (not on its first request)."""
    from web.services import open_in_worker

    open_in_worker(worker)


def worker_exit(server, worker):
    """Close the worker's connections (and follower, if any) on the way out."""
    app = getattr(worker, "wsgi", None)
    services = getattr(app, "extensions", {}).get("registry") if app else None
    if services is not None:
        services.close()


def child_exit(server, worker):
    """A worker is gone: drop its live gauges from the shared metrics (web/metrics.py)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
