"""A local stand-in for production: N identical instances behind a TLS load balancer.

    make cluster                      # 3 instances, round robin
    LB_ALGORITHM=leastconn make cluster
    LB_WEIGHTS=1,1,2 make cluster     # weighted round robin
    CLUSTER_INSTANCES=5 make cluster

On loopback only, it starts what AWS gives us in production:

* a moto S3 server with the bucket (static/ and media/ for every instance),
* the shared database: PostgreSQL when DATABASE_URL is set, else one SQLite file,
* `collectstatic` once (as a release does), then N gunicorn instances of the same
  code with the same settings, each told its name in INSTANCE_ID (the X-Instance header),
* HAProxy terminating TLS with a certificate from a locally made CA (ACM's stand-in),
  redirecting HTTP to HTTPS and health-checking /healthz (the ALB's stand-in).

Ctrl-C stops everything it started. The tests in tests/e2e/test_cluster*.py drive the
same class. Local-only conveniences, never in production: fake AWS keys for moto, and
an `X-Cluster-Pin: appN` request header that HAProxy honours so a test can load one
instance on purpose.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "table-bookings-local"
REGION = "us-east-1"
HOST = "localhost"
ALGORITHMS = ("roundrobin", "leastconn")
DEMO_PASSWORD = "tablebookings-demo"  # noqa: S105 - the documented demo password made by seed_demo


class ClusterError(RuntimeError):
    pass


def wait_until(check, *, timeout: float, what: str, interval: float = 0.1):
    """Poll `check` until it returns something truthy (start-up of a process we launched)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise ClusterError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own loopback URL
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def missing_tools() -> list[str]:
    return [tool for tool in ("haproxy", "openssl") if shutil.which(tool) is None]


def parse_weights(text: str, instances: int) -> list[int]:
    if not text.strip():
        return [1] * instances
    weights = [int(part) for part in text.split(",")]
    if len(weights) != instances or any(w < 0 or w > 256 for w in weights):
        raise ClusterError(f"LB_WEIGHTS needs {instances} integers from 0 to 256, got {text!r}")
    return weights


# --- the local CA (ACM's stand-in) ---------------------------------------------------
def make_certificates(directory: Path) -> tuple[Path, Path]:
    """A CA and a server certificate for localhost/127.0.0.1; reused while both exist."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = directory / "ca.pem", directory / "ca.key"
    server_pem = directory / "server-with-key.pem"
    if ca_cert.exists() and server_pem.exists():
        return ca_cert, server_pem

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "825",
        "-keyout", ca_key.name, "-out", ca_cert.name,
        "-subj", "/CN=table_bookings local cluster CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"
    )
    (directory / "server.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
    )
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", ca_cert.name, "-CAkey", ca_key.name, "-CAcreateserial",
        "-sha256", "-days", "825", "-extfile", "server.ext", "-out", "server.pem",
    )  # fmt: skip
    server_pem.write_bytes((directory / "server.pem").read_bytes() + (directory / "server.key").read_bytes())
    for name in ("ca.key", "server.key", "server-with-key.pem"):
        (directory / name).chmod(0o600)
    return ca_cert, server_pem


# --- HAProxy (the ALB's stand-in) ------------------------------------------------------
HAPROXY_CONFIG = """\
global
    maxconn 4096
    ssl-default-bind-options ssl-min-ver TLSv1.2
    stats socket {stats_socket} mode 600 level admin
    log stdout format raw local0


defaults
    mode http
    log global
    option httplog
    option dontlog-normal
    option forwardfor
    option redispatch
    # Only failed connections are retried (never a request an instance may have begun).
    # Each request gets its own server connection, closed after the response, so a client's
    # keep-alive connection is never tied to an instance: when one dies, the next request
    # on it is refused there and retried on another, as the ALB does.
    retries 2
    option http-server-close
    http-reuse never
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout http-keep-alive 60s

frontend http
    bind 127.0.0.1:{http_port}
    http-request redirect code 301 location https://%[req.hdr(host),field(1,:)]:{https_port}%[url]

frontend https
    bind 127.0.0.1:{https_port} ssl crt {certificate} alpn http/1.1
    # Replace whatever the client sent: the app trusts these two.
    http-request set-header X-Forwarded-Proto https
    http-request set-header X-Request-ID %[uuid()]
    default_backend instances

backend instances
    balance {algorithm}
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server check inter 500ms fastinter 200ms downinter 500ms rise 2 fall 2
{pins}
{servers}
"""


@dataclass
class Balancer:
    name: str
    algorithm: str
    weights: list[int]
    https_port: int
    http_port: int
    config: Path
    stats_socket: Path
    process: subprocess.Popen | None = None

    def stats(self) -> list[dict[str, str]]:
        """One row per instance from HAProxy's stats socket (status, current sessions, ...)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(str(self.stats_socket))
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        rows = csv.DictReader(io.StringIO(data.decode().lstrip("# ")))
        return [row for row in rows if row["pxname"] == "instances" and row["svname"] not in ("FRONTEND", "BACKEND")]

    def server_states(self) -> dict[str, str]:
        """{"app1": "UP", "app2": "DOWN", ...}"""
        return {row["svname"]: row["status"].split()[0] for row in self.stats()}

    def current_sessions(self) -> dict[str, int]:
        """Requests each instance is busy with right now, as HAProxy counts them."""
        return {row["svname"]: int(row["scur"] or 0) for row in self.stats()}


@dataclass
class Instance:
    name: str
    port: int
    log: Path
    process: subprocess.Popen | None = None


@dataclass
class Cluster:
    workdir: Path
    instances: int = 3
    base_port: int = 8400
    https_port: int = 8443
    http_port: int = 8480
    database_url: str = ""
    algorithm: str = "roundrobin"
    weights: list[int] = field(default_factory=list)
    fresh_database: bool = False
    seed_demo: bool = False
    workers: int = 2
    threads: int = 4
    quiet: bool = False

    def __post_init__(self):
        self.workdir = Path(self.workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.instances < 1 or self.instances > 9:
            raise ClusterError("between 1 and 9 instances")
        if self.algorithm not in ALGORITHMS:
            raise ClusterError(f"LB_ALGORITHM must be one of {', '.join(ALGORITHMS)}")
        self.weights = self.weights or [1] * self.instances
        self.moto_port = self.base_port
        self.moto: subprocess.Popen | None = None
        self.nodes = [
            Instance(f"app{i}", self.base_port + i, self.workdir / f"app{i}.log") for i in range(1, self.instances + 1)
        ]
        self.balancers: dict[str, Balancer] = {}
        self.secret_key = secrets.token_urlsafe(50)
        if not self.database_url:
            self.database_url = f"sqlite:///{self.workdir / 'cluster.sqlite3'}"
        self.ca_file: Path | None = None
        self.certificate: Path | None = None

    # --- what every instance (and every manage.py run) shares ----------------------------
    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.https_port}/"

    @property
    def storage_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    def env(self, **extra) -> dict[str, str]:
        inherited = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "AWS_", "GUNICORN_"))
            and k not in {"DATABASE_URL", "REDIS_URL", "INSTANCE_ID", "MEDIA_PRIVATE", "EMAIL_BACKEND"}
        }
        return {
            **inherited,
            "PYTHONUNBUFFERED": "1",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": self.secret_key,
            "DJANGO_ALLOWED_HOSTS": f"{HOST},127.0.0.1",
            "DJANGO_SECURE_HSTS_SECONDS": "3600",  # an hour: a local cluster must not pin localhost for a year
            "SITE_URL": self.url.rstrip("/"),
            "DATABASE_URL": self.database_url,
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": self.storage_endpoint,
            "AWS_S3_REGION_NAME": REGION,
            # moto accepts any key; these exist only so boto3's chain finds something locally.
            "AWS_ACCESS_KEY_ID": "local-moto",
            "AWS_SECRET_ACCESS_KEY": "local-moto",  # noqa: S105
            **extra,
        }

    def say(self, message: str):
        if not self.quiet:
            print(message, flush=True)

    def manage(self, *args: str, input: str | None = None, timeout: float = 300) -> str:
        """Run manage.py against the shared database and bucket, as a release task would."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise ClusterError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code)

    # --- start and stop ----------------------------------------------------------------------
    def start(self):
        busy = [p for p in self._ports() if not port_free(p)]
        if busy:
            raise ClusterError(f"ports already in use: {busy}")
        try:
            self.ca_file, self.certificate = make_certificates(self.workdir / "tls")
            self._start_storage()
            self._prepare_database()
            self.say("collectstatic (once, for all instances) …")
            self.manage("collectstatic", "--noinput")
            if self.seed_demo:
                self.say("demo data …")
                self.manage("seed_demo")
            for node in self.nodes:
                self.start_instance(node.name, wait=False)
            for node in self.nodes:
                self.wait_instance(node.name)
            self.start_balancer("main", self.algorithm, self.weights, self.https_port, self.http_port)
        except BaseException:
            self.stop()
            raise
        return self

    def _ports(self) -> list[int]:
        return [self.moto_port, *(n.port for n in self.nodes), self.https_port, self.http_port]

    def _start_storage(self):
        log = open(self.workdir / "moto.log", "ab")  # noqa: SIM115 - closed with the process
        self.moto = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.moto_port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(lambda: http_ok(f"{self.storage_endpoint}/moto-api/"), timeout=30, what="the moto S3 server")
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=self.storage_endpoint,
            region_name=REGION,
            aws_access_key_id="local-moto",
            aws_secret_access_key="local-moto",  # noqa: S106
        )
        s3.create_bucket(Bucket=BUCKET)
        # As in deploy/cloudformation.yaml: owner-enforced, no ACLs, public reads by policy only.
        s3.put_bucket_ownership_controls(
            Bucket=BUCKET, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        )
        public_read = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicReadOfFilesTheSiteLinksTo",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": [f"arn:aws:s3:::{BUCKET}/static/*", f"arn:aws:s3:::{BUCKET}/media/*"],
                }
            ],
        }
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(public_read))
        self.say(f"S3 (moto) at {self.storage_endpoint}, bucket {BUCKET}")

    def _prepare_database(self):
        if self.is_postgres and self.fresh_database:
            import psycopg

            parts = urlsplit(self.database_url)
            name = parts.path.lstrip("/")
            admin = urlunsplit(parts._replace(path="/postgres"))
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                connection.execute(f'CREATE DATABASE "{name}"')
        elif self.fresh_database:
            Path(self.database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        self.say(f"database {self.database_url} : migrate …")
        self.manage("migrate", "--noinput")
        self.manage("createcachetable")

    def node(self, name: str) -> Instance:
        return next(n for n in self.nodes if n.name == name)

    def start_instance(self, name: str, *, wait: bool = True):
        node = self.node(name)
        log = open(node.log, "ab")  # noqa: SIM115 - closed with the process
        node.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env=self.env(
                INSTANCE_ID=node.name,
                GUNICORN_BIND=f"127.0.0.1:{node.port}",
                GUNICORN_WORKERS=str(self.workers),
                GUNICORN_THREADS=str(self.threads),
                GUNICORN_GRACEFUL_TIMEOUT="5",
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill_instance takes its workers too
        )
        if wait:
            self.wait_instance(name)

    def wait_instance(self, name: str):
        node = self.node(name)

        def up():
            if node.process.poll() is not None:
                raise ClusterError(f"{name} exited; see {node.log}")
            return http_ok(f"http://127.0.0.1:{node.port}/healthz")

        wait_until(up, timeout=60, what=f"{name} on port {node.port}")
        self.say(f"{name}: gunicorn on 127.0.0.1:{node.port}")

    def kill_instance(self, name: str):
        """SIGKILL the instance's master and workers: a crash, not a graceful stop."""
        node = self.node(name)
        if node.process and node.process.poll() is None:
            os.killpg(node.process.pid, signal.SIGKILL)
            node.process.wait(timeout=10)
            # The workers die a moment after the master; until the last one is gone the
            # listening socket still accepts connections (into a backlog nobody serves).
            wait_until(lambda: not _group_alive(node.process.pid), timeout=10, what=f"{name}'s workers to exit")

    def haproxy_config(self, *, algorithm, weights, https_port, http_port, stats_socket) -> str:
        pins = "\n".join(f"    use-server {n.name} if {{ req.hdr(x-cluster-pin) -m str {n.name} }}" for n in self.nodes)
        servers = "\n".join(
            f"    server {n.name} 127.0.0.1:{n.port} weight {w}" for n, w in zip(self.nodes, weights, strict=True)
        )
        return HAPROXY_CONFIG.format(
            stats_socket=stats_socket,
            http_port=http_port,
            https_port=https_port,
            certificate=self.certificate,
            algorithm=algorithm,
            pins=pins,
            servers=servers,
        )

    def start_balancer(self, name: str, algorithm: str, weights: list[int], https_port: int, http_port: int):
        if algorithm not in ALGORITHMS:
            raise ClusterError(f"unknown algorithm {algorithm!r}")
        balancer = Balancer(
            name=name,
            algorithm=algorithm,
            weights=weights,
            https_port=https_port,
            http_port=http_port,
            config=self.workdir / f"haproxy-{name}.cfg",
            stats_socket=self.workdir / f"haproxy-{name}.sock",
        )
        balancer.config.write_text(
            self.haproxy_config(
                algorithm=algorithm,
                weights=weights,
                https_port=https_port,
                http_port=http_port,
                stats_socket=balancer.stats_socket,
            )
        )
        check = subprocess.run(["haproxy", "-c", "-q", "-f", str(balancer.config)], capture_output=True, text=True)
        if check.returncode != 0:
            raise ClusterError(f"HAProxy refused {balancer.config}:\n{check.stdout}{check.stderr}")
        log = open(self.workdir / f"haproxy-{name}.log", "ab")  # noqa: SIM115 - closed with the process
        balancer.process = subprocess.Popen(
            ["haproxy", "-db", "-f", str(balancer.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.balancers[name] = balancer
        self.wait_all_up(name)
        described = algorithm if len(set(weights)) == 1 else f"{algorithm}, weights {','.join(map(str, weights))}"
        self.say(f"HAProxy ({described}): https on {https_port}, http on {http_port} redirects")
        return balancer

    def wait_all_up(self, balancer: str = "main", *, expect: dict[str, str] | None = None):
        """Wait until HAProxy's health checks see every instance as expected (default: all UP)."""
        wanted = expect or {n.name: "UP" for n in self.nodes}
        current = self.balancers[balancer]

        def settled():
            if current.process.poll() is not None:
                raise ClusterError(f"HAProxy {balancer} exited")
            try:
                states = current.server_states()
            except OSError:
                return False
            return all(states.get(name) == state for name, state in wanted.items())

        wait_until(settled, timeout=30, what=f"HAProxy {balancer} to see {wanted}")

    def stop_balancer(self, name: str):
        balancer = self.balancers.pop(name, None)
        if balancer and balancer.process:
            _terminate(balancer.process)
        with contextlib.suppress(FileNotFoundError):
            if balancer:
                balancer.stats_socket.unlink()

    def stop(self):
        """TERM every process group we started at once, then wait; KILL whatever lingers."""
        processes = self.processes()
        for process in processes:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=10)
        for balancer in self.balancers.values():
            balancer.stats_socket.unlink(missing_ok=True)
        self.balancers.clear()
        for node in self.nodes:
            node.process = None
        self.moto = None

    def processes(self) -> list[subprocess.Popen]:
        found = [b.process for b in self.balancers.values()] + [n.process for n in self.nodes] + [self.moto]
        return [p for p in found if p is not None]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(process: subprocess.Popen, signum: int):
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)


def _terminate(process: subprocess.Popen):
    """Stop one process group we started: TERM, then KILL if it lingers."""
    _signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.wait(timeout=10)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=int(os.environ.get("CLUSTER_INSTANCES", "3")))
    parser.add_argument("--algorithm", default=os.environ.get("LB_ALGORITHM", "roundrobin"), choices=ALGORITHMS)
    parser.add_argument("--weights", default=os.environ.get("LB_WEIGHTS", ""), help="e.g. 1,1,2")
    parser.add_argument("--workdir", default=str(ROOT / ".cluster"))
    parser.add_argument("--base-port", type=int, default=8400, help="moto; instances take the next ports")
    parser.add_argument("--https-port", type=int, default=8443)
    parser.add_argument("--http-port", type=int, default=8480)
    parser.add_argument("--no-seed", action="store_true", help="skip the demo data")
    args = parser.parse_args(argv)
    missing = missing_tools()
    if missing:
        print(f"Missing {', '.join(missing)}: sudo apt-get install -y haproxy openssl", file=sys.stderr)
        return 2
    try:
        cluster = Cluster(
            workdir=Path(args.workdir),
            instances=args.instances,
            base_port=args.base_port,
            https_port=args.https_port,
            http_port=args.http_port,
            database_url=os.environ.get("DATABASE_URL", ""),
            algorithm=args.algorithm,
            weights=parse_weights(args.weights, args.instances),
            seed_demo=not args.no_seed,
        )
        stopping = []

        def stop(signum, frame):
            stopping.append(signum)

        signal.signal(signal.SIGTERM, stop)
        cluster.start()
        # Explicitly, so Ctrl-C works even where SIGINT started out ignored (a background job).
        signal.signal(signal.SIGINT, stop)
    except (ClusterError, KeyboardInterrupt) as error:
        print(error, file=sys.stderr)
        return 1
    print(
        f"""
table_bookings cluster is up: {len(cluster.nodes)} instances behind HAProxy ({cluster.algorithm}).
  URL:       {cluster.url}   (http://{HOST}:{cluster.http_port}/ redirects to it)
  trust CA:  {cluster.ca_file}
             e.g. curl --cacert {cluster.ca_file} -I {cluster.url}
  logins:    diner diner@example.com, operator owner@example.com, password {DEMO_PASSWORD}
  logs:      {cluster.workdir}/app*.log, haproxy-main.log, moto.log
Ctrl-C stops everything.""",
        flush=True,
    )
    try:
        while not stopping:
            for node in cluster.nodes:
                if node.process and node.process.poll() is not None:
                    print(f"{node.name} exited with {node.process.returncode}; see {node.log}", flush=True)
                    node.process = None
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    # A second Ctrl-C must not cut the clean-up short and leave processes behind.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("stopping …", flush=True)
    cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
