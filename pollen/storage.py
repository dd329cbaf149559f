"""Document storage through Django's storage API: the local folder or an S3-compatible bucket.

Which one is settings.STORAGES["private"] (config/storage.py, decision 0013). This module knows
no app: the documents' model, the commands and the probes use it alike.
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.functional import cached_property

CHUNK = 1024 * 1024


class PrivateFileSystemStorage(FileSystemStorage):
    """The local folder PRIVATE_MEDIA_ROOT (POLLEN_MEDIA_ROOT), never served by a web server."""

    def __init__(self, location: Any = None, **kwargs: Any) -> None:
        super().__init__(location=location, base_url=None, **kwargs)
        self._private_location = location

    @cached_property
    def base_location(self) -> Any:
        # Read when first used, and again when a test moves it (setting_changed), like MEDIA_ROOT.
        return self._value_or_setting(self._private_location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting: Any, **kwargs: Any) -> None:
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


class StorageUnavailable(Exception):
    """The storage did not answer, or answered an error: nothing was stored or read."""


def _failures() -> tuple[type[BaseException], ...]:
    failures: tuple[type[BaseException], ...] = (OSError,)
    try:
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is a dependency; the folder needs none
        return failures
    return (*failures, BotoCoreError, ClientError, Boto3Error)


@contextmanager
def storage_errors() -> Iterator[None]:
    """Turn whatever a backend raises when it fails (disk, network, bucket) into one error."""
    try:
        yield
    except FileNotFoundError:
        raise
    except _failures() as exc:
        raise StorageUnavailable(f"{type(exc).__name__}: {exc}") from exc


def sha256_of(storage: Storage | Any, name: str) -> str:
    """The stored object's SHA-256, read back through the storage (FileNotFoundError if absent)."""
    digest = hashlib.sha256()
    with storage_errors(), storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def delete_quietly(storage: Storage | Any, name: str) -> bool:
    """Remove an object that must not stay (a stored upload whose row was not written)."""
    try:
        with storage_errors():
            storage.delete(name)
    except StorageUnavailable:
        return False
    return True


def is_bucket(storage: Any) -> bool:
    return hasattr(storage, "bucket_name")


def check_bucket(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Before the first request: the configured bucket exists and these credentials may use it."""
    from django.core.files.storage import storages

    storage: Any = storages["private"]
    if not is_bucket(storage):
        return []
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    bucket = storage.bucket_name
    where = storage.endpoint_url or "AWS"
    try:
        storage.connection.meta.client.head_bucket(Bucket=bucket)
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404:
            return [
                checks.Error(
                    f"The documents' bucket {bucket!r} does not exist at {where}.",
                    hint="Create it (private, versioned) or correct POLLEN_STORAGE_URL.",
                    id="pollen.E030",
                )
            ]
        if status in (401, 403):
            return [
                checks.Error(
                    f"The credentials were refused for the documents' bucket {bucket!r} at "
                    f"{where} (HTTP {status}).",
                    hint="Check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the URL's) and "
                    "the key's rights on the bucket.",
                    id="pollen.E031",
                )
            ]
        return [_other(bucket, where, f"HTTP {status}: {exc}")]
    except NoCredentialsError:
        return [
            checks.Error(
                f"No credentials for the documents' bucket {bucket!r}.",
                hint="Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or put them in "
                "POLLEN_STORAGE_URL (s3://KEY:SECRET@bucket?…).",
                id="pollen.E031",
            )
        ]
    except BotoCoreError as exc:
        return [
            checks.Error(
                f"The documents' storage at {where} cannot be reached: {exc}",
                hint="Check the endpoint_url (https://s3.<region>.io.cloud.ovh.net, "
                "https://s3.fr-par.scw.cloud…) and the network.",
                id="pollen.E032",
            )
        ]
    return []


def _other(bucket: str, where: str, detail: str) -> checks.CheckMessage:
    return checks.Error(
        f"The documents' bucket {bucket!r} at {where} answered an error: {detail}",
        id="pollen.E033",
    )
