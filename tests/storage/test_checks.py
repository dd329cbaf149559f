"""The deployment check says what is wrong with the documents' bucket before any request."""

import pytest
from django.core.management import call_command

from pollen.storage import check_bucket
from tests.storage.conftest import free_port, use_storage_url


def ids(messages) -> list[str]:
    return [m.id for m in messages]


def test_a_reachable_bucket_passes(bucket):
    assert check_bucket() == []


def test_a_missing_bucket_is_named(settings, moto_endpoint):
    use_storage_url(settings, f"s3://testing:testing@no-such-bucket?endpoint_url={moto_endpoint}")
    messages = check_bucket()
    assert ids(messages) == ["pollen.E030"]
    assert "'no-such-bucket' does not exist" in messages[0].msg


def test_an_unreachable_endpoint_is_named(settings):
    nobody = f"http://127.0.0.1:{free_port()}"
    use_storage_url(settings, f"s3://k:s@docs?endpoint_url={nobody}&region_name=us-east-1")
    assert ids(check_bucket()) == ["pollen.E032"]


def test_check_deploy_reports_the_missing_bucket(settings, moto_endpoint):
    from django.core.management.base import SystemCheckError

    use_storage_url(settings, f"s3://testing:testing@no-such-bucket?endpoint_url={moto_endpoint}")
    with pytest.raises(SystemCheckError, match=r"pollen\.E030"):
        call_command("check", "--deploy", "--tag", "storage")


def test_the_local_folder_needs_no_check(settings):
    use_storage_url(settings, "")  # even in CI's pass with a bucket
    assert check_bucket() == []
