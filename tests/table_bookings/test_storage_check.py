from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from table_bookings.storages import (
    ACL_REJECTED_MESSAGE,
    BUCKET_MISSING_MESSAGE,
    ENDPOINT_UNREACHABLE_MESSAGE,
    MANIFEST_MISSING_MESSAGE,
)
from tests.table_bookings.s3support import BUCKET, use_s3


@pytest.fixture
def published(s3, settings, tmp_path):
    src = tmp_path / "static-src" / "css"
    src.mkdir(parents=True)
    (src / "site.css").write_text("body { margin: 0; }\n")
    settings.STATICFILES_DIRS = [tmp_path / "static-src"]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    call_command("collectstatic", interactive=False, stdout=StringIO())
    return s3


def storage_check(**options):
    out, err = StringIO(), StringIO()
    try:
        call_command("storage_check", stdout=out, stderr=err, **options)
    except CommandError as exc:
        return False, out.getvalue(), err.getvalue() + str(exc)
    return True, out.getvalue(), err.getvalue()


def test_good_bucket_passes_and_reports_acl_mode_and_cache_headers(published):
    ok, out, err = storage_check()

    assert ok, err
    assert f"bucket '{BUCKET}'" in out and "reachable" in out
    assert "ACL mode: no ACL sent" in out
    assert "media: wrote, read back and deleted 'media/.storage-check/" in out
    assert "Cache-Control 'max-age=86400'" in out
    assert "static manifest 'static/staticfiles.json': present, 1 files (Cache-Control 'public, max-age=60')" in out
    assert "Cache-Control 'public, max-age=31536000, immutable'" in out
    assert "storage check passed." in out
    # The probe object is gone again.
    listed = published.list_objects_v2(Bucket=BUCKET, Prefix="media/").get("Contents", [])
    assert listed == []


def test_missing_bucket_fails_with_a_clear_message(s3, settings):
    use_s3(settings, AWS_STORAGE_BUCKET_NAME="no-such-bucket-here")

    ok, _out, err = storage_check()

    assert not ok
    expected = BUCKET_MISSING_MESSAGE.format(bucket="no-such-bucket-here", endpoint="the AWS S3 endpoint of us-east-1")
    assert expected in err
    assert "storage check failed" in err


def test_wrong_endpoint_fails_with_a_clear_message(settings, monkeypatch, tmp_path):
    # No moto here: a real connection to a loopback port where nothing listens.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setattr("table_bookings.storages._probe_clients", {})
    use_s3(settings, AWS_S3_ENDPOINT_URL="http://127.0.0.1:8399")

    ok, _out, err = storage_check()

    assert not ok
    assert ENDPOINT_UNREACHABLE_MESSAGE.format(endpoint="http://127.0.0.1:8399", error="EndpointConnectionError") in err


def test_missing_static_manifest_fails_and_says_to_run_collectstatic(s3):
    ok, out, err = storage_check()

    assert not ok
    assert "media: wrote, read back and deleted" in out
    assert MANIFEST_MISSING_MESSAGE.format(key="static/staticfiles.json", bucket=BUCKET) in err


def test_acl_on_a_bucket_owner_enforced_bucket_fails_with_what_to_change(published, s3_calls, settings):
    published.put_bucket_ownership_controls(
        Bucket=BUCKET, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    use_s3(settings, AWS_DEFAULT_ACL="public-read")
    s3_calls.reject_acl = True

    ok, out, err = storage_check()

    assert not ok
    assert "ACL mode: ACL 'public-read' sent with every upload" in out
    assert "bucket object ownership: BucketOwnerEnforced" in out
    assert ACL_REJECTED_MESSAGE.format(bucket=BUCKET, acl="public-read") in err


def test_no_write_skips_the_media_probe(published, s3_calls):
    ok, out, _err = storage_check(no_write=True)

    assert ok
    assert s3_calls.count("PutObject") == 0
    assert "media:" not in out


@pytest.mark.django_db
def test_readyz_is_ready_with_the_bucket_and_manifest_and_writes_nothing(published, s3_calls, client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert s3_calls.count("PutObject") == 0
    assert s3_calls.count("DeleteObject") == 0


@pytest.mark.django_db
def test_readyz_names_the_missing_bucket(s3, settings, client):
    use_s3(settings, AWS_STORAGE_BUCKET_NAME="no-such-bucket-here")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert b"storage: The bucket 'no-such-bucket-here' does not exist" in response.content


@pytest.mark.django_db
def test_readyz_is_not_ready_before_collectstatic(s3, client):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert b"collectstatic" in response.content
