"""Where documents are stored: STORAGES["private"] from the environment (decision 0013)."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "storages.backends.s3.S3Storage"
LOCAL_BACKEND = "pollen.storage.PrivateFileSystemStorage"
# What a POLLEN_STORAGE_URL's query string may set, as django-storages names it.
URL_OPTIONS = {"endpoint_url", "region_name", "addressing_style", "location", "default_acl"}


def private_storage(url: str, environ: Mapping[str, str]) -> dict[str, Any]:
    """POLLEN_STORAGE_URL, else AWS_STORAGE_BUCKET_NAME (+ AWS_S3_*), else the local folder."""
    if url:
        return {"BACKEND": S3_BACKEND, "OPTIONS": _s3_options(**_from_url(url))}
    if bucket := environ.get("AWS_STORAGE_BUCKET_NAME", ""):
        options = {
            "bucket_name": bucket,
            "endpoint_url": environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": environ.get("AWS_S3_REGION_NAME") or None,
        }
        return {"BACKEND": S3_BACKEND, "OPTIONS": _s3_options(**options)}
    # The local folder follows settings.PRIVATE_MEDIA_ROOT (POLLEN_MEDIA_ROOT) when first used.
    return {"BACKEND": LOCAL_BACKEND}


def _from_url(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise ImproperlyConfigured(
            "POLLEN_STORAGE_URL s'écrit s3://bucket?endpoint_url=https://…&region_name=…"
        )
    options: dict[str, Any] = {"bucket_name": parts.hostname}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key not in URL_OPTIONS:
            raise ImproperlyConfigured(
                f"POLLEN_STORAGE_URL : paramètre « {key} » inconnu "
                f"(possibles : {', '.join(sorted(URL_OPTIONS))})."
            )
        options[key] = value
    # Credentials in the URL win; otherwise AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
    if parts.username:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    return options


def _s3_options(**given: Any) -> dict[str, Any]:
    from botocore.config import Config  # only when a bucket is configured

    options: dict[str, Any] = {
        # Private objects, never a public URL: documents leave through Pollen's access check.
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": 60,
        # Never replace an object: a receipt may vouch for it.
        "file_overwrite": False,
        # A read spills to disk past 2 MB instead of holding a 20 MB document in memory.
        "max_memory_size": 2 * 1024 * 1024,
    }
    options.update({k: v for k, v in given.items() if v is not None})
    # An unreachable endpoint fails in seconds, not minutes (botocore's default is 60 s per
    # connection attempt): the applicant is told at once to retry. Checksums only where the
    # API requires them: several S3-compatible providers refuse botocore's newer default.
    options["client_config"] = Config(
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": options.pop("addressing_style", None)},
        signature_version="s3v4",  # presigned links too (botocore may otherwise sign them v2)
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    if options.get("default_acl") == "":
        options["default_acl"] = None  # a provider that refuses ACL headers: `default_acl=`
    return options
