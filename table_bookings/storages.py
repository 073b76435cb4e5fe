"""S3 storages for static and media files (django-storages), chosen in settings.STORAGES.

StaticStorage keeps content-hashed names under ``static/``: a hashed file never changes,
so browsers and CDNs may keep it for a year; only the manifest and the unhashed copies
get a short lifetime. Old hashed files are never deleted, so instances still running the
previous release keep finding their CSS during a rolling deploy. Each process reads the
manifest once, the first time it needs a URL.

MediaStorage keeps uploads under ``media/``, never overwrites an existing key, and sets
the content type from the file name (never from what the browser claimed).

Neither storage sends an ACL unless AWS_DEFAULT_ACL says so: buckets created since
April 2023 enforce "bucket owner" object ownership and reject ACLs. When a bucket
rejects one, the error says what to change.
"""

import hashlib
import json
import mimetypes
import posixpath
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.core.exceptions import ImproperlyConfigured
from storages.backends.s3 import S3ManifestStaticStorage, S3Storage
from storages.utils import setting

HASHED_STATIC_CACHE_CONTROL = "public, max-age=31536000, immutable"
# The manifest and the unhashed copies change in place on every deploy: keep them short.
MANIFEST_CACHE_CONTROL = "public, max-age=60"
UNHASHED_STATIC_CACHE_CONTROL = "public, max-age=300"
MEDIA_CACHE_CONTROL = "max-age=86400"
PRIVATE_MEDIA_CACHE_CONTROL = "private, max-age=86400"

ACL_REJECTED_MESSAGE = (
    "The bucket {bucket!r} rejected the ACL {acl!r} (AccessControlListNotSupported): its Object "
    "Ownership is 'Bucket owner enforced', the default for buckets created since April 2023. "
    "Unset AWS_DEFAULT_ACL so that no ACL is sent, and grant public reads with a bucket policy "
    "or a CDN (CloudFront origin access control) instead. Only if you must keep ACLs, change the "
    "bucket's Object Ownership to 'Bucket owner preferred'."
)
MANIFEST_MISSING_MESSAGE = (
    "The static manifest {key!r} is not in the bucket {bucket!r}: run `python manage.py collectstatic --noinput`."
)

# Django's HashedFilesMixin names files "<root>.<first 12 hex digits of md5><ext>".
_HASHED_NAME = re.compile(r"\.[0-9a-f]{12}(\.[^./]*)?$")

# How long a process waits before looking again for a manifest that was missing
# (collectstatic may be running right now); a manifest that was found is kept for good.
MANIFEST_RETRY_SECONDS = 10


class AclNotSupportedError(ImproperlyConfigured):
    """The bucket enforces bucket-owner object ownership and refused an ACL we sent."""


def is_acl_rejection(exc: Exception) -> bool:
    response = getattr(exc, "response", None) or {}
    code = response.get("Error", {}).get("Code", "")
    return code == "AccessControlListNotSupported" or "AccessControlListNotSupported" in str(exc)


def acl_rejected_error(*, bucket: str, acl: str | None) -> AclNotSupportedError:
    return AclNotSupportedError(ACL_REJECTED_MESSAGE.format(bucket=bucket, acl=acl))


def is_hashed_name(name: str) -> bool:
    return bool(_HASHED_NAME.search(posixpath.basename(name)))


def guess_content_type(name: str, default: str = "application/octet-stream") -> tuple[str, str | None]:
    """(content type, content encoding) from the file name alone."""
    content_type, encoding = mimetypes.guess_type(name)
    return content_type or default, encoding


class _ExplainAclRejection:
    """Turn the bucket's AccessControlListNotSupported into a message that says what to change."""

    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except Exception as exc:
            if is_acl_rejection(exc):
                raise acl_rejected_error(bucket=self.bucket_name, acl=self.default_acl) from exc
            raise

    def _get_write_parameters(self, name, content=None):
        params = self.get_object_parameters(name)
        if "ContentType" not in params:
            # The name decides, never the browser's claim: an upload that says text/html
            # must not be served as a page from the bucket's domain.
            params["ContentType"], encoding = guess_content_type(name, self.default_content_type)
            if encoding:
                params["ContentEncoding"] = encoding
        if "ACL" not in params and self.default_acl:
            params["ACL"] = self.default_acl
        return params


class StaticStorage(_ExplainAclRejection, S3ManifestStaticStorage):
    """Hashed static files under ``static/`` with year-long, immutable cache headers."""

    manifest_name = "staticfiles.json"
    # The fast collectstatic (table_bookings/management/commands/collectstatic.py) publishes
    # for storages that say they can take it.
    supports_fast_publish = True

    def __init__(self, **settings):
        self._manifest_lock = threading.Lock()
        self._hashed_files = None
        self._manifest_missing_since = None
        super().__init__(**settings)

    def get_default_settings(self):
        defaults = super().get_default_settings()
        defaults.update(location="static", file_overwrite=True, querystring_auth=False)
        return defaults

    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        params.setdefault("CacheControl", self.cache_control_for(name))
        return params

    def cache_control_for(self, name: str) -> str:
        if posixpath.basename(name) == self.manifest_name:
            return MANIFEST_CACHE_CONTROL
        if is_hashed_name(name):
            return HASHED_STATIC_CACHE_CONTROL
        return UNHASHED_STATIC_CACHE_CONTROL

    @property
    def manifest_key(self) -> str:
        return self._normalize_name(self.manifest_name)

    # --- The manifest: read lazily, once per process ---------------------------------
    def load_manifest(self):
        # ManifestFilesMixin.__init__ reads the manifest at construction; we wait until the
        # first URL is asked for, so `manage.py check` and collectstatic never fetch it.
        return None, ""

    @property
    def hashed_files(self):
        if self._hashed_files is None:
            self._load_manifest_once()
        return self._hashed_files if self._hashed_files is not None else {}

    @hashed_files.setter
    def hashed_files(self, value):
        self._hashed_files = value

    def _load_manifest_once(self):
        with self._manifest_lock:
            if self._hashed_files is not None:
                return
            missing_since = self._manifest_missing_since
            if missing_since is not None and time.monotonic() - missing_since < MANIFEST_RETRY_SECONDS:
                return
            content = self.read_manifest()
            if content is None:
                self._manifest_missing_since = time.monotonic()
                return
            paths, self.manifest_hash = parse_manifest(content, self.manifest_name)
            self._manifest_missing_since = None
            self._hashed_files = paths

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError as exc:
            if self._hashed_files is None:  # the manifest itself is missing, not just this entry
                message = MANIFEST_MISSING_MESSAGE.format(key=self.manifest_key, bucket=self.bucket_name)
                raise ValueError(message) from exc
            raise


def parse_manifest(content: str, manifest_name: str) -> tuple[dict, str]:
    """The paths and hash of a Django 1.0/1.1 staticfiles manifest."""
    try:
        stored = json.loads(content)
    except json.JSONDecodeError:
        stored = {}
    if stored.get("version") in ("1.0", "1.1"):
        return stored.get("paths", {}), stored.get("hash", "")
    raise ValueError(f"Couldn't load manifest {manifest_name!r}")


class MediaStorage(_ExplainAclRejection, S3Storage):
    """Uploads under ``media/``; public URLs by default, signed expiring URLs with MEDIA_PRIVATE."""

    def get_default_settings(self):
        defaults = super().get_default_settings()
        private = bool(setting("MEDIA_PRIVATE", False))
        defaults.update(
            location="media",
            # Two uploads called duck.jpg must both survive: the second gets a suffixed key.
            file_overwrite=False,
            querystring_auth=private,
            querystring_expire=setting("AWS_QUERYSTRING_EXPIRE", 3600),
        )
        if private and not (defaults.get("cloudfront_key_id") and defaults.get("cloudfront_key")):
            # A custom domain without CloudFront signing keys would give unsigned links to
            # private objects: sign S3 URLs instead.
            defaults["custom_domain"] = None
        return defaults

    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        params.setdefault("CacheControl", PRIVATE_MEDIA_CACHE_CONTROL if self.querystring_auth else MEDIA_CACHE_CONTROL)
        return params


class PublishReport:
    """What a publish did: names uploaded and skipped, bytes sent, requests made, seconds spent."""

    def __init__(self):
        self.uploaded: list[str] = []
        self.skipped: list[str] = []
        self.uploaded_bytes = 0
        self.requests = 0
        self.seconds = 0.0


def publishing_client(storage: S3Storage):
    """A plain S3 client with the storage's endpoint, region and credentials chain.

    Cheaper to build than the boto3 resource behind ``storage.connection`` and safe to share
    between upload threads; cached on the storage.
    """
    client = getattr(storage, "_publishing_client", None)
    if client is None:
        from botocore.config import Config

        client = storage._create_session().client(
            "s3",
            region_name=storage.region_name,
            use_ssl=storage.use_ssl,
            endpoint_url=storage.endpoint_url,
            config=storage.client_config.merge(Config(max_pool_connections=32)),
            verify=storage.verify,
        )
        storage._publishing_client = client
    return client


def fetch_published_manifest(storage: StaticStorage) -> bytes | None:
    """The manifest now in the bucket, or None (one GET)."""
    from botocore.exceptions import ClientError

    try:
        response = publishing_client(storage).get_object(Bucket=storage.bucket_name, Key=storage.manifest_key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    return response["Body"].read()


def object_url(storage: S3Storage, key: str) -> tuple[str, str]:
    """The plain URL of an object in the storage's bucket, and the region to sign requests for it."""
    client = publishing_client(storage)
    url = client.generate_presigned_url("get_object", Params={"Bucket": storage.bucket_name, "Key": key})
    return url.split("?", 1)[0], client.meta.region_name


def fetch_object_quickly(storage: S3Storage, url: str, region: str) -> bytes | None:
    """GET a URL recorded by ``object_url``, signed with the default credentials chain.

    Costs one request and no S3 client (building one takes longer than the request).
    None when the object is not there or anything is unusual: callers then ask the usual way.
    """
    if not url or not region:
        return None
    try:
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.httpsession import URLLib3Session

        session = storage._create_session()
        credentials = session.get_credentials()
        if credentials is None:
            return None
        request = AWSRequest(method="GET", url=url)
        S3SigV4Auth(credentials.get_frozen_credentials(), "s3", region).add_auth(request)
        prepared = request.prepare()
        # As botocore's own endpoint does: a stub or mock registered for "before-send" answers instead.
        answers = session.events.emit("before-send.s3.GetObject", request=prepared)
        response = next((answer for _handler, answer in answers if answer is not None), None)
        if response is None:
            http = URLLib3Session(verify=True if storage.verify is None else storage.verify, proxies=storage.proxies)
            response = http.send(prepared)
    except Exception:
        return None
    return response.content if response.status_code == 200 else None


def build_manifest(*, paths: dict, manifest_hash: str, published: dict[str, str], version: str = "1.1") -> bytes:
    """Django's manifest plus ``published``: the MD5 of every file this release put in the bucket.

    Django ignores the extra key; the next collectstatic compares the whole manifest to
    know, with one request, that nothing changed.
    """
    payload = {"paths": paths, "version": version, "hash": manifest_hash, "published": published}
    return json.dumps(payload, sort_keys=True).encode()


def md5_hex(body: bytes) -> str:
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def publish_static(
    storage: StaticStorage,
    files: dict[str, bytes],
    *,
    manifest: bytes,
    published_manifest: bytes | None = ...,
    verify_bucket: bool = False,
    dry_run: bool = False,
    workers: int = 16,
    on_upload=None,
) -> PublishReport:
    """Make the bucket hold ``files`` (names relative to the storage's location) and ``manifest``.

    When the manifest in the bucket is this very manifest, the previous run published all
    of it (the manifest always goes last): nothing else is asked. Otherwise one listing of
    the location tells what is there; only missing or changed objects are uploaded, in
    parallel, then the manifest, so no instance ever reads a manifest naming files not yet
    uploaded. Nothing is deleted: instances still serving the previous release keep
    finding its hashed files.
    """
    started = time.perf_counter()
    report = PublishReport()
    client = publishing_client(storage)
    if published_manifest is ...:
        published_manifest = fetch_published_manifest(storage)
        report.requests += 1
    if not verify_bucket and published_manifest is not None and _same_json(published_manifest, manifest):
        report.skipped = [*files, storage.manifest_name]
        report.seconds = time.perf_counter() - started
        return report

    prefix = storage.location.strip("/") + "/" if storage.location.strip("/") else ""
    remote = {}  # key -> ETag (the MD5 of the body for single-part uploads without KMS)
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket_name, Prefix=prefix):
        report.requests += 1
        for entry in page.get("Contents", ()):
            remote[entry["Key"]] = entry.get("ETag", "").strip('"')

    to_upload = []
    for name, body in [*files.items(), (storage.manifest_name, manifest)]:
        key = storage._normalize_name(name)
        etag = remote.get(key)
        # A hashed name is its content: present means identical (even where KMS makes ETags opaque).
        if etag is not None and (is_hashed_name(name) or etag == md5_hex(body)):
            report.skipped.append(name)
        else:
            to_upload.append((name, key, body))

    def upload(item):
        name, key, body = item
        if not dry_run:
            try:
                client.put_object(Bucket=storage.bucket_name, Key=key, Body=body, **storage._get_write_parameters(key))
            except Exception as exc:
                if is_acl_rejection(exc):
                    raise acl_rejected_error(bucket=storage.bucket_name, acl=storage.default_acl) from exc
                raise
        if on_upload is not None:
            on_upload(name, len(body))
        return name, len(body)

    last = [item for item in to_upload if item[0] == storage.manifest_name]
    first = [item for item in to_upload if item[0] != storage.manifest_name]
    done = []
    if first:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(first)))) as pool:
            done.extend(pool.map(upload, first))  # re-raises the first failure here
    done.extend(upload(item) for item in last)
    for name, size in done:
        report.uploaded.append(name)
        report.uploaded_bytes += size
        report.requests += 0 if dry_run else 1
    report.seconds = time.perf_counter() - started
    return report


def _same_json(a: bytes, b: bytes) -> bool:
    try:
        return json.loads(a) == json.loads(b)
    except ValueError:
        return False


# --- Probing the bucket: `manage.py storage_check` and /readyz ------------------------------
BUCKET_MISSING_MESSAGE = "The bucket {bucket!r} does not exist at {endpoint}: check AWS_STORAGE_BUCKET_NAME."
BUCKET_DENIED_MESSAGE = (
    "Access to the bucket {bucket!r} was denied: the credentials (IAM role) need s3:ListBucket, "
    "s3:GetObject, s3:PutObject and s3:DeleteObject on it."
)
ENDPOINT_UNREACHABLE_MESSAGE = (
    "Cannot reach S3 at {endpoint} ({error}): check AWS_S3_ENDPOINT_URL and AWS_S3_REGION_NAME."
)
NO_CREDENTIALS_MESSAGE = (
    "No AWS credentials were found: in AWS give the instance an IAM role; locally set "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE."
)
MEDIA_NOT_WRITABLE_MESSAGE = "Cannot write under {prefix!r} in the bucket {bucket!r}: {error}"
PROBE_KEY_PREFIX = ".storage-check/"


class StorageProbe:
    """What a probe saw (``lines``) and what is wrong (``problems``, empty when all is well)."""

    def __init__(self):
        self.lines: list[str] = []
        self.problems: list[str] = []

    @property
    def ok(self) -> bool:
        return not self.problems


_probe_clients: dict = {}
_probe_clients_lock = threading.Lock()


def probe_client(storage: S3Storage):
    """A client that fails fast (short timeouts, no retries): a health check must not hang."""
    key = (storage.bucket_name, storage.endpoint_url, storage.region_name, storage.access_key, storage.session_profile)
    with _probe_clients_lock:
        client = _probe_clients.get(key)
        if client is None:
            from botocore.config import Config

            config = storage.client_config.merge(
                Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1, "mode": "standard"})
            )
            client = storage._create_session().client(
                "s3",
                region_name=storage.region_name,
                use_ssl=storage.use_ssl,
                endpoint_url=storage.endpoint_url,
                config=config,
                verify=storage.verify,
            )
            _probe_clients[key] = client
    return client


def _endpoint(storage: S3Storage) -> str:
    return storage.endpoint_url or f"the AWS S3 endpoint of {storage.region_name or 'the default region'}"


def _explain(exc: Exception, storage: S3Storage) -> str:
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

    if isinstance(exc, NoCredentialsError):
        return NO_CREDENTIALS_MESSAGE
    if is_acl_rejection(exc):
        return str(acl_rejected_error(bucket=storage.bucket_name, acl=storage.default_acl))
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchBucket"):
            return BUCKET_MISSING_MESSAGE.format(bucket=storage.bucket_name, endpoint=_endpoint(storage))
        if code in ("403", "AccessDenied", "Forbidden"):
            return BUCKET_DENIED_MESSAGE.format(bucket=storage.bucket_name)
        return f"S3 answered {code or 'an error'} for the bucket {storage.bucket_name!r}: {exc}"
    if isinstance(exc, EndpointConnectionError) or exc.__class__.__module__.startswith(("botocore", "urllib3")):
        return ENDPOINT_UNREACHABLE_MESSAGE.format(endpoint=_endpoint(storage), error=exc.__class__.__name__)
    return f"{exc.__class__.__name__}: {exc}"


def acl_mode(storage: S3Storage) -> str:
    if storage.default_acl:
        return f"ACL {storage.default_acl!r} sent with every upload (AWS_DEFAULT_ACL)"
    return "no ACL sent (bucket owner enforced; public reads come from a bucket policy or a CDN)"


def probe_storages(*, media, static=None, write: bool = True, details: bool = True) -> StorageProbe:
    """Check the bucket(s) behind the media and static storages.

    The bucket answers; with ``write``, an object can be written, read back and deleted under
    ``media/``; the static manifest is there. With ``details`` it also reports the ACL mode
    and the Cache-Control headers on the objects it sees. /readyz probes without writing
    (no object churn, no versions piling up in versioned buckets) and without details.
    """
    probe = StorageProbe()
    if not isinstance(media, S3Storage):
        _probe_local(probe, media, write=write)
        return probe

    client = probe_client(media)
    bucket = media.bucket_name
    try:
        client.head_bucket(Bucket=bucket)
    except Exception as exc:
        probe.problems.append(_explain(exc, media))
        return probe
    probe.lines.append(f"bucket {bucket!r} at {_endpoint(media)}: reachable")
    if details:
        probe.lines.append(f"ACL mode: {acl_mode(media)}")
        ownership = _object_ownership(client, bucket)
        if ownership:
            probe.lines.append(f"bucket object ownership: {ownership}")
            if ownership == "BucketOwnerEnforced" and media.default_acl:
                probe.problems.append(str(acl_rejected_error(bucket=bucket, acl=media.default_acl)))

    if write:
        key = media._normalize_name(PROBE_KEY_PREFIX + _random_token() + ".txt")
        try:
            client.put_object(Bucket=bucket, Key=key, Body=b"storage check\n", **media._get_write_parameters(key))
            head = client.head_object(Bucket=bucket, Key=key)
            client.delete_object(Bucket=bucket, Key=key)
        except Exception as exc:
            probe.problems.append(
                MEDIA_NOT_WRITABLE_MESSAGE.format(
                    prefix=media.location + "/", bucket=bucket, error=_explain(exc, media)
                )
            )
        else:
            probe.lines.append(
                f"media: wrote, read back and deleted {key!r} "
                f"(Content-Type {head.get('ContentType')!r}, Cache-Control {head.get('CacheControl')!r})"
            )

    if isinstance(static, StaticStorage):
        _probe_static(probe, static, details=details)
    return probe


def _probe_static(probe: StorageProbe, static: StaticStorage, *, details: bool) -> None:
    client = probe_client(static)
    key = static.manifest_key
    try:
        if not details:
            client.head_object(Bucket=static.bucket_name, Key=key)
            probe.lines.append(f"static manifest {key!r}: present")
            return
        response = client.get_object(Bucket=static.bucket_name, Key=key)
        paths, _hash = parse_manifest(response["Body"].read().decode(), static.manifest_name)
    except Exception as exc:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey"):
            probe.problems.append(MANIFEST_MISSING_MESSAGE.format(key=key, bucket=static.bucket_name))
        else:
            probe.problems.append(f"static manifest {key!r}: {_explain(exc, static)}")
        return
    probe.lines.append(
        f"static manifest {key!r}: present, {len(paths)} files (Cache-Control {response.get('CacheControl')!r})"
    )
    sample = next((paths[name] for name in sorted(paths) if name.endswith(".css")), None) or next(
        iter(sorted(paths.values())), None
    )
    if sample:
        sample_key = static._normalize_name(sample)
        try:
            head = client.head_object(Bucket=static.bucket_name, Key=sample_key)
        except Exception as exc:
            probe.problems.append(f"static file {sample_key!r} named by the manifest: {_explain(exc, static)}")
        else:
            probe.lines.append(
                f"static file {sample_key!r}: Content-Type {head.get('ContentType')!r}, "
                f"Cache-Control {head.get('CacheControl')!r}"
            )


def _object_ownership(client, bucket: str) -> str:
    try:
        rules = client.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    except Exception:  # not set, not allowed to read it, or not supported by the store
        return ""
    return ", ".join(rule.get("ObjectOwnership", "") for rule in rules)


def _probe_local(probe: StorageProbe, storage, *, write: bool) -> None:
    probe.lines.append(
        f"S3 is off (AWS_STORAGE_BUCKET_NAME is empty): media on the local disk ({storage.__class__.__name__})"
    )
    try:
        if write:
            name = storage.save(PROBE_KEY_PREFIX + _random_token() + ".txt", _content_file(b"storage check\n"))
            storage.delete(name)
            probe.lines.append("media: wrote and deleted a probe file")
        else:
            storage.exists(PROBE_KEY_PREFIX)
    except Exception as exc:
        probe.problems.append(f"media storage: {exc.__class__.__name__}: {exc}")


def _random_token() -> str:
    import secrets

    return secrets.token_hex(8)


def _content_file(body: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(body)
