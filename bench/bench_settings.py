"""Settings for bench/collectstatic.py: the project's settings with one static storage per variant.

BENCH_VARIANT picks the storage under test: s3static (django-storages' S3StaticStorage),
s3manifest (S3ManifestStaticStorage), collectfasta (S3ManifestStaticStorage published by
collectfasta's manifest strategy) or ours (table_bookings.storages.StaticStorage).
"""

import os

from table_bookings.settings import *  # noqa: F403
from table_bookings.settings import INSTALLED_APPS, STORAGES

VARIANT = os.environ.get("BENCH_VARIANT", "ours")
BACKENDS = {
    "s3static": "storages.backends.s3.S3StaticStorage",
    "s3manifest": "storages.backends.s3.S3ManifestStaticStorage",
    "collectfasta": "storages.backends.s3.S3ManifestStaticStorage",
    "ours": "table_bookings.storages.StaticStorage",
}
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": BACKENDS[VARIANT], "OPTIONS": {"location": "static"}},
}
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", STATIC_ROOT)  # noqa: F405
if os.environ.get("BENCH_STATICFILES_DIR"):
    # A snapshot taken when the benchmark started: every variant publishes the same files.
    STATICFILES_DIRS = [os.environ["BENCH_STATICFILES_DIR"]]
if VARIANT != "ours":
    STORAGES["staticfiles"]["OPTIONS"]["querystring_auth"] = False

if VARIANT == "collectfasta":
    # collectfasta's command must come before ours and Django's.
    INSTALLED_APPS = ["collectfasta", *INSTALLED_APPS]
    COLLECTFASTA_STRATEGY = "collectfasta.strategies.boto3.Boto3ManifestMemoryStrategy"
    COLLECTFASTA_CACHE = "collectfasta"
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # Its hash cache must outlive the process for a re-run to profit from it.
        "collectfasta": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ["BENCH_CACHE_DIR"],
        },
    }
