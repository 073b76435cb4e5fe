"""collectstatic that publishes to S3 in parallel and costs one bucket listing when nothing changed.

Django's own command asks S3 about every file, one request after another, and rewrites
every CSS file on each run. With a storage that supports it (``StaticStorage``), this one
finds and hashes the files locally, in memory, exactly as Django's manifest storage would,
lists the bucket once, and uploads only what is missing or changed. Any other storage,
and ``--clear``, ``--link`` or ``--no-post-process``, get Django's command unchanged.
"""

import hashlib
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin

import django
from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.management.commands import collectstatic
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.core.management.base import CommandError
from django.utils.encoding import filepath_to_uri

from table_bookings.storages import (
    AclNotSupportedError,
    build_manifest,
    fetch_object_quickly,
    fetch_published_manifest,
    md5_hex,
    object_url,
    publish_static,
)


class Command(collectstatic.Command):
    help = "Collect static files; with S3 on, upload only what changed, in parallel."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--workers", type=int, default=16, help="Parallel uploads to S3 (S3 publishing only; default 16)."
        )
        parser.add_argument(
            "--verify-bucket",
            action="store_true",
            help="List the bucket and upload anything missing even when its manifest matches (S3 publishing only).",
        )

    def handle(self, **options):
        if not self._can_publish_fast(options):
            return super().handle(**options)
        self.set_options(**options)
        if self.interactive and input(self._confirmation_question()).strip().lower() not in ("yes", "y"):
            raise CommandError("Collecting static files cancelled.")
        started = time.perf_counter()
        target = storages["staticfiles"]  # the object behind the lazy self.storage

        sources = self._find_sources()
        fingerprint = _fingerprint(target, sources, post_process=self.post_process)
        last = _LastPublish.read()
        if not options["verify_bucket"] and fingerprint is not None and last.get("fingerprint") == fingerprint:
            # Same files as the last publish from here. If the bucket still has that manifest
            # (written last, so everything it names is there), there is nothing to read or hash.
            # One signed GET of the object URL recorded then: no S3 client to build.
            published = fetch_object_quickly(target, last.get("manifest_url", ""), last.get("region", ""))
            if published is not None and _same_json(published, last.get("manifest", "").encode()):
                count = len(json.loads(published).get("published", {})) + 1
                self._summary(target, uploaded=0, size=0, skipped=count, started=started, requests=1)
                return

        with ThreadPoolExecutor(max_workers=1) as background:
            # The bucket answers while the files are read and hashed here.
            published_manifest = background.submit(fetch_published_manifest, target)
            files = {name: _read(storage, path) for name, (storage, path) in sources.items()}
            paths, manifest_hash = {}, ""
            if self.post_process:
                hashed, paths, manifest_hash = self._hashed_copies(target, sources)
                files.update(hashed)
            try:
                published = published_manifest.result()
            except Exception as exc:
                raise CommandError(f"Cannot read the bucket {target.bucket_name!r}: {exc}") from exc

        manifest = build_manifest(
            paths=paths,
            manifest_hash=manifest_hash,
            published={name: md5_hex(body) for name, body in sorted(files.items())},
        )

        def on_upload(name, size):
            if self.verbosity >= 2:
                self.stdout.write(f"{'Would upload' if self.dry_run else 'Uploaded'} '{name}' ({size} bytes)")

        try:
            report = publish_static(
                target,
                files,
                manifest=manifest,
                published_manifest=published,
                verify_bucket=options["verify_bucket"],
                dry_run=self.dry_run,
                workers=options["workers"],
                on_upload=on_upload,
            )
        except AclNotSupportedError as exc:
            raise CommandError(str(exc)) from exc
        if not self.dry_run and fingerprint is not None:
            url, region = object_url(target, target.manifest_key)
            _LastPublish.write(
                {"fingerprint": fingerprint, "manifest": manifest.decode(), "manifest_url": url, "region": region}
            )
        self._summary(
            target,
            uploaded=len(report.uploaded),
            size=report.uploaded_bytes,
            skipped=len(report.skipped),
            started=started,
            requests=report.requests + 1,
        )

    def _summary(self, target, *, uploaded, size, skipped, started, requests):
        if self.verbosity >= 1:
            self.stdout.write(
                f"Static files in s3://{target.bucket_name}/{target.location}/: "
                f"{'would upload' if self.dry_run else 'uploaded'} {uploaded} files ({size} bytes), "
                f"skipped {skipped} unchanged, in {time.perf_counter() - started:.2f} s ({requests} S3 requests)."
            )

    def _can_publish_fast(self, options) -> bool:
        if options["clear"] or options["link"] or not options["post_process"]:
            # Rare, manual operations: Django's command does them (without touching the manifest).
            return False
        return bool(getattr(self.storage, "supports_fast_publish", False)) and not getattr(self.storage, "gzip", False)

    def _confirmation_question(self) -> str:
        return (
            "\nYou have requested to collect static files to the S3 bucket "
            f"{self.storage.bucket_name!r} under {self.storage.location!r}/.\n"
            "Changed files will be overwritten; old hashed files are kept.\n"
            "Type 'yes' to continue, or 'no' to cancel: "
        )

    def _find_sources(self) -> dict:
        """prefixed name -> (finder storage, path), the first finder winning as in Django."""
        found = {}
        for finder in get_finders():
            for path, storage in finder.list(self.ignore_patterns):
                prefix = getattr(storage, "prefix", None)
                name = os.path.join(prefix, path) if prefix else path
                name = name.replace(os.sep, "/")
                if name not in found:
                    found[name] = (storage, path)
        return found

    def _hashed_copies(self, target, sources) -> tuple[dict[str, bytes], dict, str]:
        """(hashed file name -> content, manifest paths, manifest hash), made in memory."""
        staging = _staging_storage_for(target)(sources)
        for name, _hashed_name, processed in staging.post_process(sources, dry_run=False):
            if isinstance(processed, Exception):
                self.stderr.write(f"Post-processing '{name}' failed!")
                raise processed
        staging.written.pop(staging.manifest_name, None)
        return staging.written, staging.hashed_files, staging.manifest_hash


def _fingerprint(target, sources, *, post_process: bool) -> str | None:
    """Names, sizes and modification times of the source files, and where they go; None if not local."""
    entries = [django.get_version(), target.bucket_name, target.location, target.manifest_name, str(post_process)]
    for name in sorted(sources):
        storage, path = sources[name]
        try:
            stat = os.stat(storage.path(path))
        except (NotImplementedError, OSError):
            return None
        entries.append(f"{name}\0{storage.path(path)}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()


class _LastPublish:
    """What this machine last published: kept beside STATIC_ROOT, which S3 publishing does not use."""

    @staticmethod
    def path() -> Path | None:
        root = getattr(settings, "STATIC_ROOT", None)
        return Path(root) / ".last-s3-publish.json" if root else None

    @classmethod
    def read(cls) -> dict:
        path = cls.path()
        try:
            return json.loads(path.read_text()) if path else {}
        except (OSError, ValueError):
            return {}

    @classmethod
    def write(cls, data: dict) -> None:
        path = cls.path()
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(data))
        except OSError:
            pass  # a read-only image: the next run reads and hashes the files again, that's all


def _same_json(a: bytes, b: bytes) -> bool:
    try:
        return json.loads(a) == json.loads(b)
    except ValueError:
        return False


def _read(storage, path) -> bytes:
    with storage.open(path) as source:
        return source.read()


class _InMemoryOverlay(Storage):
    """Reads what was written here first, then the original files; writes stay in ``written``."""

    def __init__(self, sources):
        self.sources = sources
        self.written: dict[str, bytes] = {}
        super().__init__()

    def _open(self, name, mode="rb"):
        if name in self.written:
            return ContentFile(self.written[name], name=name)
        if name in self.sources:
            storage, path = self.sources[name]
            return storage.open(path, mode)
        raise FileNotFoundError(name)

    def _save(self, name, content):
        if hasattr(content, "seek"):
            content.seek(0)
        self.written[name] = content.read()
        return name

    def exists(self, name):
        return name in self.written or name in self.sources

    def delete(self, name):
        self.written.pop(name, None)

    def url(self, name):
        return urljoin(settings.STATIC_URL or "/", filepath_to_uri(name))


class _Staging(ManifestFilesMixin, _InMemoryOverlay):
    """Django's manifest hashing, run in memory over the found files.

    Same patterns and manifest name as the target storage, so the hashed names and the
    rewritten CSS are exactly what Django's manifest storage would have made.
    """


def _staging_storage_for(target):
    attributes = {
        name: getattr(type(target), name)
        for name in (
            "patterns",
            "support_js_module_import_aggregation",
            "max_post_process_passes",
            "manifest_name",
            "manifest_version",
        )
    }
    return type("StagingFor" + type(target).__name__, (_Staging,), attributes)
