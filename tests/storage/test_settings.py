"""Which storage the environment chooses: a bucket by URL or by AWS_* variables, else the folder."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.storage import LOCAL_BACKEND, S3_BACKEND, private_storage


def test_it_keeps_documents_in_the_local_folder_when_nothing_is_configured():
    assert private_storage("", {}) == {"BACKEND": LOCAL_BACKEND}


def test_it_reads_an_ovhcloud_bucket_from_the_url_with_private_never_overwritten_objects():
    config = private_storage(
        "s3://pollen-docs?endpoint_url=https://s3.gra.io.cloud.ovh.net&region_name=gra", {}
    )
    options = config["OPTIONS"]
    assert config["BACKEND"] == S3_BACKEND
    assert options["bucket_name"] == "pollen-docs"
    assert options["endpoint_url"] == "https://s3.gra.io.cloud.ovh.net"
    assert options["region_name"] == "gra"
    assert options["default_acl"] == "private" and options["querystring_auth"] is True
    assert options["file_overwrite"] is False
    assert "access_key" not in options  # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY then
    assert options["client_config"].connect_timeout == 5


def test_it_takes_credentials_from_the_url_decoded():
    options = private_storage("s3://AKIA%2Fx:s%40cret@docs?region_name=fr-par", {})["OPTIONS"]
    assert (options["access_key"], options["secret_key"]) == ("AKIA/x", "s@cret")


def test_it_reads_the_usual_aws_variables():
    options = private_storage(
        "",
        {
            "AWS_STORAGE_BUCKET_NAME": "docs",
            "AWS_S3_ENDPOINT_URL": "https://s3.fr-par.scw.cloud",
            "AWS_S3_REGION_NAME": "fr-par",
        },
    )["OPTIONS"]
    assert options["bucket_name"] == "docs"
    assert options["endpoint_url"] == "https://s3.fr-par.scw.cloud"
    assert options["region_name"] == "fr-par"


@pytest.mark.parametrize(
    "url", ["https://docs.example", "s3://?region_name=gra", "s3://docs?acl=public-read"]
)
def test_it_refuses_a_url_it_cannot_read_and_says_how_to_write_it(url):
    with pytest.raises(ImproperlyConfigured):
        private_storage(url, {})
