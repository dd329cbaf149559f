"""An S3-compatible server of the tests' own (moto, on loopback) and a bucket storage on it."""

import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.utils.functional import empty

from config.storage import private_storage as storage_config
from pollen.applications.models import private_storage
from tests.applications.conftest import applicant_client, during_call  # noqa: F401

BUCKET = "pollen-tests"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def s3_client(endpoint: str):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS)


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory) -> str:
    """moto's server on a free loopback port for the whole session, with the tests' bucket."""
    binary = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    command = [binary] if Path(binary).exists() else [sys.executable, "-m", "moto.server"]
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "-H", "127.0.0.1", "-p", str(port)], stdout=output, stderr=output
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"moto_server stopped at start:\n{log.read_text(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("moto_server did not listen within 60 s")
                time.sleep(0.1)
        s3_client(endpoint).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def use_storage_url(settings, url: str):
    settings.STORAGE_URL = url
    settings.STORAGES = {**settings.STORAGES, "private": storage_config(url, {})}
    private_storage._wrapped = empty
    return storages["private"]


@pytest.fixture
def bucket_url(moto_endpoint) -> str:
    """The tests' bucket, under a prefix of this test's own."""
    return (
        f"s3://testing:testing@{BUCKET}?endpoint_url={moto_endpoint}&region_name=us-east-1"
        f"&location=t-{uuid.uuid4().hex}"
    )


@pytest.fixture
def bucket(settings, bucket_url):
    """Documents go to the S3-compatible server: STORAGES["private"] is django-storages' S3."""
    return use_storage_url(settings, bucket_url)


@pytest.fixture
def s3(moto_endpoint):
    """A plain boto3 client on the same server, to look behind Pollen's back."""
    return s3_client(moto_endpoint)
