"""Fixtures for the S3 storage tests: a moto bucket in-process and a recorder of S3 calls.

Import the fixtures you use into the test module (``from tests.table_bookings.s3support import s3, s3_calls``).
"""

import functools

import boto3
import botocore.loaders
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

import table_bookings.storages as storages_module

BUCKET = "tb-test-bucket"
REGION = "us-east-1"
S3_STORAGES = {
    "default": {"BACKEND": "table_bookings.storages.MediaStorage"},
    "staticfiles": {"BACKEND": "table_bookings.storages.StaticStorage"},
}


def use_s3(settings, **overrides):
    """Point both storages at the moto bucket; STORAGES is set last so Django rebuilds them."""
    values = {
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_S3_ENDPOINT_URL": None,
        "AWS_S3_CUSTOM_DOMAIN": None,
        "AWS_DEFAULT_ACL": None,
        "AWS_S3_ADDRESSING_STYLE": None,
        "AWS_S3_SIGNATURE_VERSION": "s3v4",
        "AWS_QUERYSTRING_EXPIRE": 3600,
        "MEDIA_PRIVATE": False,
    }
    values.update(overrides)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.STORAGES = dict(S3_STORAGES)


# Every boto3 session otherwise parses the S3 service model again (a few tenths of a second
# per client): share one loader between the sessions made by tests.
_shared_create_loader = functools.lru_cache(maxsize=None)(botocore.loaders.create_loader)


@pytest.fixture
def s3(settings, tmp_path, monkeypatch):
    """An empty moto bucket with both storages on it; yields a plain boto3 client for assertions."""
    monkeypatch.setattr(botocore.session, "create_loader", _shared_create_loader)
    for name in ("AWS_PROFILE", "AWS_S3_SESSION_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setattr(storages_module, "_probe_clients", {})
    settings.STATIC_ROOT = tmp_path / "staticroot"
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET)
        use_s3(settings)
        yield client


class S3Calls:
    """S3 calls made while recording: operations of clients made since, and HTTP requests of any session."""

    def __init__(self):
        self.sent: list[str] = []  # every HTTP request to S3, by operation, whoever sent it
        self.operations: list[str] = []
        self.params: list[tuple[str, dict]] = []  # (operation, API parameters: Bucket, Key, ACL, ...)
        self.reject_acl = False

    def count(self, operation: str) -> int:
        return self.operations.count(operation)

    def keys(self, operation: str) -> list[str]:
        return [params.get("Key") for name, params in self.params if name == operation]

    def reset(self):
        self.sent.clear()
        self.operations.clear()
        self.params.clear()

    def _before_send(self, event_name, **kwargs):
        self.sent.append(event_name.rsplit(".", 1)[-1])

    def _before_parameter_build(self, model, params, **kwargs):
        self.params.append((model.name, dict(params)))

    def _before_call(self, model, params, **kwargs):
        self.operations.append(model.name)
        if self.reject_acl and model.name == "PutObject" and "x-amz-acl" in params.get("headers", {}):
            # What a bucket with "bucket owner enforced" ownership answers (moto does not enforce it).
            response = AWSResponse(params.get("url", ""), 400, {}, None)
            return response, {
                "Error": {"Code": "AccessControlListNotSupported", "Message": "The bucket does not allow ACLs"},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            }
        return None


@pytest.fixture
def s3_calls(s3, monkeypatch):
    """Record (and optionally refuse) S3 calls through a botocore event hook on every new client.

    Depends on ``s3`` so that the test's own assertion client is made before and not recorded.
    """
    calls = S3Calls()
    original = botocore.session.Session.create_client
    original_init = botocore.session.Session.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self.register("before-send.s3", calls._before_send)

    def create_client(self, service_name, *args, **kwargs):
        client = original(self, service_name, *args, **kwargs)
        if service_name == "s3":
            client.meta.events.register("before-parameter-build.s3", calls._before_parameter_build)
            client.meta.events.register("before-call.s3", calls._before_call)
        return client

    monkeypatch.setattr(botocore.session.Session, "__init__", init)
    monkeypatch.setattr(botocore.session.Session, "create_client", create_client)
    return calls
