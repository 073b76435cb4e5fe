import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from table_bookings.storages import (
    ACL_REJECTED_MESSAGE,
    HASHED_STATIC_CACHE_CONTROL,
    MANIFEST_CACHE_CONTROL,
    UNHASHED_STATIC_CACHE_CONTROL,
)
from tests.table_bookings.s3support import BUCKET, use_s3

SITE_CSS = 'body { background: url("../img/bg.png"); }\n'
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def static_src(settings, tmp_path):
    """A small project static folder (no admin files: quick to publish)."""
    src = tmp_path / "static-src"
    (src / "css").mkdir(parents=True)
    (src / "img").mkdir()
    (src / "js").mkdir()
    (src / "css" / "site.css").write_text(SITE_CSS)
    (src / "img" / "bg.png").write_bytes(PNG)
    (src / "js" / "app.js").write_text("document.documentElement.classList.add('js');\n")
    settings.STATICFILES_DIRS = [src]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    return src


def collectstatic(**options):
    out = StringIO()
    call_command("collectstatic", interactive=False, stdout=out, **options)
    return out.getvalue()


def keys(client):
    return sorted(obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def manifest(client):
    return json.loads(client.get_object(Bucket=BUCKET, Key="static/staticfiles.json")["Body"].read())


def test_first_run_uploads_hashed_files_with_year_long_immutable_cache_headers(s3, static_src):
    output = collectstatic()

    paths = manifest(s3)["paths"]
    css, png, js = paths["css/site.css"], paths["img/bg.png"], paths["js/app.js"]
    assert css.startswith("css/site.") and png.startswith("img/bg.") and js.startswith("js/app.")
    assert keys(s3) == sorted(
        f"static/{name}" for name in ("css/site.css", "img/bg.png", "js/app.js", css, png, js, "staticfiles.json")
    )
    for name, content_type in ((css, "text/css"), (png, "image/png"), (js, "text/javascript")):
        head = s3.head_object(Bucket=BUCKET, Key=f"static/{name}")
        assert head["CacheControl"] == HASHED_STATIC_CACHE_CONTROL == "public, max-age=31536000, immutable"
        assert head["ContentType"] == content_type
    assert s3.head_object(Bucket=BUCKET, Key="static/staticfiles.json")["CacheControl"] == MANIFEST_CACHE_CONTROL
    assert s3.head_object(Bucket=BUCKET, Key="static/css/site.css")["CacheControl"] == UNHASHED_STATIC_CACHE_CONTROL
    # The hashed CSS points at the hashed image.
    body = s3.get_object(Bucket=BUCKET, Key=f"static/{css}")["Body"].read().decode()
    assert f'url("../{png}")' in body
    assert "uploaded 7 files" in output
    assert "skipped 0 unchanged" in output
    assert " bytes)" in output and " s (" in output


def test_hashed_names_are_the_ones_djangos_manifest_storage_makes(s3, static_src, settings, tmp_path):
    collectstatic()
    ours = manifest(s3)["paths"]

    settings.STATIC_ROOT = tmp_path / "local-root"
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    collectstatic()
    djangos = json.loads((tmp_path / "local-root" / "staticfiles.json").read_text())["paths"]

    assert ours == djangos


def test_rerun_with_nothing_changed_uploads_nothing_and_makes_one_request(s3, s3_calls, static_src):
    collectstatic()
    s3_calls.reset()

    output = collectstatic()

    assert s3_calls.sent == ["GetObject"]  # the manifest, and nothing else
    assert s3_calls.operations == []  # one signed GET of the recorded URL: no S3 client even built
    assert "uploaded 0 files (0 bytes), skipped 7 unchanged" in output


def test_rerun_from_a_fresh_checkout_uploads_nothing(s3, s3_calls, static_src, settings, tmp_path):
    collectstatic()
    settings.STATIC_ROOT = tmp_path / "another-machine"  # no record of the last publish here
    s3_calls.reset()

    output = collectstatic()

    assert "PutObject" not in s3_calls.sent
    assert s3_calls.sent.count("ListObjectsV2") <= 1
    assert "uploaded 0 files" in output


def test_changed_css_uploads_only_what_changed_and_keeps_the_old_hashed_file(s3, s3_calls, static_src):
    collectstatic()
    old_css = manifest(s3)["paths"]["css/site.css"]
    s3_calls.reset()
    (static_src / "css" / "site.css").write_text(SITE_CSS + "main { margin: 0 auto; }\n")

    output = collectstatic()

    new_css = manifest(s3)["paths"]["css/site.css"]
    assert new_css != old_css
    uploaded = s3_calls.keys("PutObject")
    assert sorted(uploaded) == sorted(["static/css/site.css", f"static/{new_css}", "static/staticfiles.json"])
    assert uploaded[-1] == "static/staticfiles.json"  # the manifest goes last
    assert s3_calls.count("ListObjectsV2") == 1
    # Instances still on the previous release keep their CSS during a rolling deploy.
    assert f"static/{old_css}" in keys(s3)
    assert "uploaded 3 files" in output


def test_verify_bucket_restores_an_object_deleted_from_the_bucket(s3, s3_calls, static_src):
    collectstatic()
    png = manifest(s3)["paths"]["img/bg.png"]
    s3.delete_object(Bucket=BUCKET, Key=f"static/{png}")
    s3_calls.reset()

    collectstatic(verify_bucket=True)

    assert s3_calls.keys("PutObject") == [f"static/{png}"]


def test_dry_run_uploads_nothing(s3, s3_calls, static_src):
    output = collectstatic(dry_run=True)

    assert s3_calls.count("PutObject") == 0
    assert "would upload 7 files" in output


def test_bucket_rejecting_the_acl_stops_collectstatic_with_what_to_change(s3, s3_calls, static_src, settings):
    use_s3(settings, AWS_DEFAULT_ACL="public-read")
    s3_calls.reject_acl = True

    with pytest.raises(CommandError) as raised:
        collectstatic()

    assert str(raised.value) == ACL_REJECTED_MESSAGE.format(bucket=BUCKET, acl="public-read")
    assert "static/staticfiles.json" not in keys(s3)


def test_without_s3_collectstatic_is_djangos(static_src, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "root"
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }

    output = collectstatic()

    assert (tmp_path / "root" / "staticfiles.json").exists()
    assert "3 static files copied" in output
