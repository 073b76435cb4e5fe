import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.templatetags.static import static

from bookings.services import photo_add
from table_bookings.storages import (
    ACL_REJECTED_MESSAGE,
    HASHED_STATIC_CACHE_CONTROL,
    MANIFEST_MISSING_MESSAGE,
    MANIFEST_RETRY_SECONDS,
    MEDIA_CACHE_CONTROL,
    AclNotSupportedError,
    MediaStorage,
    StaticStorage,
)
from tests.factories import image_bytes, image_upload
from tests.table_bookings.s3support import BUCKET, use_s3

ROOT = Path(__file__).resolve().parents[2]


def keys(client, prefix=""):
    return sorted(obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []))


def put_manifest(client, paths):
    body = json.dumps({"version": "1.1", "hash": "x", "paths": paths}).encode()
    client.put_object(Bucket=BUCKET, Key="static/staticfiles.json", Body=body)


def test_s3_is_chosen_through_storages(s3):
    assert isinstance(storages["default"], MediaStorage)
    assert isinstance(storages["staticfiles"], StaticStorage)


def test_media_keys_land_under_media_and_same_name_uploads_make_two_objects(s3):
    first = default_storage.save("restaurants/7/duck.jpg", ContentFile(image_bytes(), name="duck.jpg"))
    second = default_storage.save("restaurants/7/duck.jpg", ContentFile(image_bytes(color=(1, 2, 3)), name="duck.jpg"))

    assert first != second
    stored = keys(s3)
    assert stored == sorted([f"media/{first}", f"media/{second}"])
    assert all(key.startswith("media/restaurants/7/duck") for key in stored)


def test_media_objects_get_content_type_from_the_name_and_a_day_of_caching(s3):
    # The browser claims text/html; the bucket must still serve a JPEG (no HTML on the bucket's domain).
    upload = SimpleUploadedFile("menu.jpg", image_bytes(), content_type="text/html")
    name = default_storage.save("menu.jpg", upload)

    head = s3.head_object(Bucket=BUCKET, Key=f"media/{name}")
    assert head["ContentType"] == "image/jpeg"
    assert head["CacheControl"] == MEDIA_CACHE_CONTROL == "max-age=86400"


@pytest.mark.django_db
def test_office_photo_upload_stores_every_size_in_the_bucket(s3, restaurant):
    photo = photo_add(restaurant=restaurant, upload=image_upload(name="terrace.jpg", size=(1600, 1200)))

    stored = keys(s3, "media/")
    for field in (photo.image, photo.thumb, photo.card, photo.large):
        if field:
            assert f"media/{field.name}" in stored
            assert field.url.startswith(f"https://{BUCKET}.s3.amazonaws.com/media/")
    assert photo.thumb_url.startswith(f"https://{BUCKET}.s3.amazonaws.com/media/")


def test_public_media_urls_are_plain_and_unsigned(s3):
    name = default_storage.save("a.png", ContentFile(image_bytes(fmt="PNG")))
    url = default_storage.url(name)
    assert url == f"https://{BUCKET}.s3.amazonaws.com/media/{name}"


def test_custom_domain_is_used_for_public_media_and_static(s3, settings):
    use_s3(settings, AWS_S3_CUSTOM_DOMAIN="cdn.tablebookings.example")
    put_manifest(s3, {"css/site.css": "css/site.0123456789ab.css"})
    assert default_storage.url("x.jpg") == "https://cdn.tablebookings.example/media/x.jpg"
    assert static("css/site.css") == "https://cdn.tablebookings.example/static/css/site.0123456789ab.css"


def test_private_media_gets_signed_urls_that_expire(s3, settings):
    use_s3(settings, MEDIA_PRIVATE=True, AWS_QUERYSTRING_EXPIRE=600, AWS_S3_CUSTOM_DOMAIN="cdn.tablebookings.example")
    name = default_storage.save("private.jpg", ContentFile(image_bytes()))

    url = default_storage.url(name)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    # No unsigned CDN link for a private object: a signed S3 URL instead.
    assert parts.netloc == f"{BUCKET}.s3.amazonaws.com"
    assert parts.path == f"/media/{name}"
    assert query["X-Amz-Expires"] == ["600"]
    assert "X-Amz-Signature" in query
    head = s3.head_object(Bucket=BUCKET, Key=f"media/{name}")
    assert head["CacheControl"] == "private, max-age=86400"


def test_no_acl_is_sent_by_default(s3, s3_calls):
    default_storage.save("no-acl.txt", ContentFile(b"hello"))

    puts = [params for operation, params in s3_calls.params if operation == "PutObject"]
    assert puts
    assert all("ACL" not in params for params in puts)


def test_public_read_acl_is_still_possible_for_old_buckets(s3, s3_calls, settings):
    use_s3(settings, AWS_DEFAULT_ACL="public-read")
    default_storage.save("old-bucket.txt", ContentFile(b"hello"))

    puts = [params for operation, params in s3_calls.params if operation == "PutObject"]
    assert puts[-1]["ACL"] == "public-read"


def test_bucket_rejecting_the_acl_gives_an_error_that_says_what_to_change(s3, s3_calls, settings):
    use_s3(settings, AWS_DEFAULT_ACL="public-read")
    s3_calls.reject_acl = True

    with pytest.raises(AclNotSupportedError) as raised:
        default_storage.save("rejected.txt", ContentFile(b"hello"))

    message = str(raised.value)
    assert message == ACL_REJECTED_MESSAGE.format(bucket=BUCKET, acl="public-read")
    assert "Unset AWS_DEFAULT_ACL" in message
    assert "bucket policy" in message
    assert keys(s3) == []


def test_static_urls_use_the_manifest_read_once_per_process(s3, s3_calls, settings):
    settings.DEBUG = False
    put_manifest(s3, {"css/site.css": "css/site.0123456789ab.css"})

    first = static("css/site.css")
    second = static("css/site.css")

    assert first == second == f"https://{BUCKET}.s3.amazonaws.com/static/css/site.0123456789ab.css"
    assert s3_calls.count("GetObject") == 1


def test_missing_manifest_says_to_run_collectstatic(s3, settings):
    settings.DEBUG = False
    with pytest.raises(ValueError) as raised:
        static("css/site.css")
    assert str(raised.value) == MANIFEST_MISSING_MESSAGE.format(key="static/staticfiles.json", bucket=BUCKET)


def test_static_cache_headers_by_kind_of_name():
    storage = StaticStorage(bucket_name=BUCKET)
    hashed = storage.get_object_parameters("static/css/site.0123456789ab.css")
    assert hashed["CacheControl"] == HASHED_STATIC_CACHE_CONTROL
    assert storage.get_object_parameters("static/staticfiles.json")["CacheControl"] == "public, max-age=60"
    assert storage.get_object_parameters("static/css/site.css")["CacheControl"] == "public, max-age=300"


def test_a_missing_manifest_is_looked_for_again_after_a_while_not_on_every_url(s3, s3_calls, settings, monkeypatch):
    settings.DEBUG = False
    clock = [1000.0]
    monkeypatch.setattr("table_bookings.storages.time.monotonic", lambda: clock[0])
    with pytest.raises(ValueError):
        static("css/site.css")
    asked = len(s3_calls.sent)
    put_manifest(s3, {"css/site.css": "css/site.0123456789ab.css"})
    s3_calls.reset()

    with pytest.raises(ValueError):
        static("css/site.css")  # within MANIFEST_RETRY_SECONDS: not asked again
    assert asked == 1
    assert s3_calls.sent == []

    clock[0] += MANIFEST_RETRY_SECONDS + 1
    assert static("css/site.css").endswith("/static/css/site.0123456789ab.css")
    assert s3_calls.sent.count("GetObject") == 1


def settings_in_subprocess(**env):
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({'storages': s.STORAGES, 'private': getattr(s, 'MEDIA_PRIVATE', None), "
        "'domain': getattr(s, 'AWS_S3_CUSTOM_DOMAIN', None), 'acl': getattr(s, 'AWS_DEFAULT_ACL', 'unset'), "
        "'img_src': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'], "
        "'keys': [n for n in dir(s) if n in ('AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN')]}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_", "MEDIA_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_turn_s3_on_from_the_environment_with_no_credentials_in_settings():
    on = settings_in_subprocess(
        AWS_STORAGE_BUCKET_NAME="tb-prod",
        AWS_S3_CUSTOM_DOMAIN="cdn.tablebookings.example",
        MEDIA_PRIVATE="true",
        AWS_ACCESS_KEY_ID="from-the-environment",
        AWS_SECRET_ACCESS_KEY="from-the-environment",
    )
    assert on["storages"]["default"]["BACKEND"] == "table_bookings.storages.MediaStorage"
    assert on["storages"]["staticfiles"]["BACKEND"] == "table_bookings.storages.StaticStorage"
    assert on["private"] is True
    assert on["domain"] == "cdn.tablebookings.example"
    assert on["acl"] is None  # no ACL unless AWS_DEFAULT_ACL says so
    assert on["keys"] == []  # boto3's default chain reads them; settings never hold them
    # Private media are signed S3 URLs even with a CDN: the page's CSP must allow the bucket too.
    assert "https://cdn.tablebookings.example" in on["img_src"]
    assert "https://tb-prod.s3.amazonaws.com" in on["img_src"]

    off = settings_in_subprocess()
    assert off["storages"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
