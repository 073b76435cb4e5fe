"""gunicorn settings for one instance behind the AWS ALB (and HAProxy in the local cluster).

Every number can be overridden by an environment variable so ops can tune an
instance type without a new image. Timing rules that tie this file to the load
balancer (see deploy/cloudformation.yaml):

* keep-alive must outlast the ALB idle timeout (60 s), or gunicorn closes a
  connection the ALB is about to reuse and the client gets a 502;
* graceful shutdown must end inside the target group's deregistration delay
  (30 s), so in-flight requests finish before the instance is terminated.
"""

import multiprocessing
import os
import uuid

from gunicorn.glogging import Logger

ALB_IDLE_TIMEOUT = 60
DEREGISTRATION_DELAY = 30


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


cpus = multiprocessing.cpu_count()

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # noqa: S104 - inside the instance SG, reachable only from the ALB
wsgi_app = "table_bookings.wsgi:application"

# Threads let a worker wait on the database or S3 while another request runs.
# Every thread may hold a persistent database connection (CONN_MAX_AGE), so
# workers * threads * instances must stay below the database's max_connections.
workers = _env_int("GUNICORN_WORKERS", cpus * 2 + 1)
threads = _env_int("GUNICORN_THREADS", 4)
worker_class = "gthread"

keepalive = _env_int("GUNICORN_KEEPALIVE", ALB_IDLE_TIMEOUT + 15)
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", DEREGISTRATION_DELAY - 5)
# Recycle workers now and then so a slow leak cannot grow forever; jitter keeps
# all workers from restarting at the same moment.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# The load balancer is the only peer; X-Forwarded-* are interpreted by Django
# (SECURE_PROXY_SSL_HEADER) and by the access log below, not by gunicorn.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "*")

accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = '%(client_ip)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%(request_id)s instance=%(instance)s "%(a)s"'

REQUEST_ID_HEADER = "X-REQUEST-ID"


def client_ip(environ: dict) -> str:
    """The address the load balancer saw: the right-most X-Forwarded-For hop.

    The ALB appends the connecting client's address; everything to its left was
    sent by the client and can be forged, so it is never trusted.
    """
    forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-1] if hops else environ.get("REMOTE_ADDR", "-")


class ProxyAwareLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["client_ip"] = client_ip(environ)
        atoms["request_id"] = environ.get("HTTP_X_REQUEST_ID", "-")
        atoms["instance"] = os.environ.get("INSTANCE_ID", "-")
        return atoms


logger_class = ProxyAwareLogger


def pre_request(worker, req):
    """Give every request an id: the load balancer's when there is one, else a new one.

    The ALB's X-Amzn-Trace-Id wins over an X-Request-ID the client may have sent;
    HAProxy (local cluster) sets X-Request-ID itself. The id reaches Django as
    HTTP_X_REQUEST_ID and is echoed in the response and the access log.
    """
    trace = next((value for name, value in req.headers if name == "X-AMZN-TRACE-ID"), "")
    if trace:
        req.headers = [(name, value) for name, value in req.headers if name != REQUEST_ID_HEADER]
        req.headers.append((REQUEST_ID_HEADER, trace))
    elif not any(name == REQUEST_ID_HEADER for name, _ in req.headers):
        req.headers.append((REQUEST_ID_HEADER, uuid.uuid4().hex))
