"""Benchmark: publishing static files to S3 (a moto server on loopback), in one run.

    .venv/bin/pip install -r requirements-bench.txt
    .venv/bin/python bench/collectstatic.py [--port 8310] [--repeat 3]

Measures `manage.py collectstatic --noinput` with django-storages' S3StaticStorage and
S3ManifestStaticStorage, collectfasta's manifest strategy and ours (StaticStorage): a first
run into an empty bucket and a re-run with nothing changed; and `manage.py check` with the
same settings. Prints seconds and ratios against `manage.py check`, and the issue's targets:
our re-run <= 1.5 x check; our first run <= S3StaticStorage's first run.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = [
    ("s3static", "S3StaticStorage (django-storages)"),
    ("s3manifest", "S3ManifestStaticStorage (django-storages)"),
    ("collectfasta", "collectfasta, manifest strategy"),
    ("ours", "ours: table_bookings StaticStorage"),
]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"moto server did not start on 127.0.0.1:{port}")


def timed(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8310, help="loopback port for the moto server")
    parser.add_argument("--repeat", type=int, default=3, help="re-runs and checks per variant (median reported)")
    parser.add_argument("--only", nargs="*", help="variants to run (default: all)")
    options = parser.parse_args()
    try:
        import collectfasta  # noqa: F401
    except ImportError:
        raise SystemExit("collectfasta is missing: .venv/bin/pip install -r requirements-bench.txt") from None

    endpoint = f"http://127.0.0.1:{options.port}"
    workdir = Path(tempfile.mkdtemp(prefix="bench-collectstatic-"))
    shutil.copytree(ROOT / "static", workdir / "static")
    base_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_", "BENCH_")) and k != "DATABASE_URL"
    }
    base_env.update(
        DJANGO_SETTINGS_MODULE="bench.bench_settings",
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 -- moto accepts any credentials
        AWS_S3_REGION_NAME="us-east-1",
        AWS_S3_ENDPOINT_URL=endpoint,
        BENCH_STATICFILES_DIR=str(workdir / "static"),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(options.port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(options.port)
        import boto3

        s3 = boto3.session.Session(
            aws_access_key_id=base_env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=base_env["AWS_SECRET_ACCESS_KEY"]
        ).client("s3", endpoint_url=endpoint, region_name="us-east-1")
        results = {}
        checks = []
        checks_beside_ours = []
        for variant, label in VARIANTS:
            if options.only and variant not in options.only:
                continue
            bucket = f"bench-{variant}"
            s3.create_bucket(Bucket=bucket)
            env = {
                **base_env,
                "BENCH_VARIANT": variant,
                "AWS_STORAGE_BUCKET_NAME": bucket,
                "BENCH_CACHE_DIR": str(workdir / f"cache-{variant}"),
                "BENCH_STATIC_ROOT": str(workdir / f"static-root-{variant}"),
            }
            first = timed(["collectstatic", "--noinput"], env)
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            objects = sum(page.get("KeyCount", 0) for page in pages)
            reruns = []
            # Ours is measured more often: its re-run is close to `check`, so noise matters there.
            for _ in range(options.repeat if variant != "ours" else max(options.repeat, 7)):
                reruns.append(timed(["collectstatic", "--noinput"], env))
                # `check` between the re-runs, so that both see the same machine load.
                checks.append(timed(["check"], {**env, "BENCH_VARIANT": "ours"}))
                if variant == "ours":
                    checks_beside_ours.append(checks[-1])
            results[variant] = (label, first, statistics.median(reruns), objects)
            print(f"  {label}: first {first:.2f} s, re-runs {', '.join(f'{s:.2f}' for s in reruns)} s", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)

    check = statistics.median(checks)
    print()
    print(f"manage.py check (same settings, median of {len(checks)}): {check:.2f} s")
    print(f"{'variant':44} {'objects':>7} {'first run':>10} {'re-run':>8} {'first/check':>12} {'re-run/check':>13}")
    for label, first, rerun, objects in results.values():
        print(f"{label:44} {objects:7d} {first:9.2f}s {rerun:7.2f}s {first / check:11.2f}x {rerun / check:12.2f}x")
    if "ours" in results:
        _label, first, rerun, _objects = results["ours"]
        beside = statistics.median(checks_beside_ours)
        print()
        verdict = "met" if rerun <= 1.5 * beside else "MISSED"
        print(
            f"target: our re-run <= 1.5 x check: {rerun:.2f} s / {beside:.2f} s (checks run between our re-runs)"
            f" = {rerun / beside:.2f} x -> {verdict}"
        )
        if "s3static" in results:
            plain_first = results["s3static"][1]
            verdict = "met" if first <= plain_first else "MISSED"
            print(
                f"target: our first run <= S3StaticStorage's first run: {first:.2f} s vs {plain_first:.2f} s"
                f" -> {verdict}"
            )


if __name__ == "__main__":
    main()
