"""Checking uploaded documents: the content decides the type, never the file name."""

import hashlib
import logging
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from pollen.applications import antivirus, hazards

logger = logging.getLogger("pollen.uploads")

ACCEPTED = {
    "application/pdf": "PDF",
    "image/png": "image PNG",
    "image/jpeg": "image JPEG",
    "application/vnd.oasis.opendocument.text": "document OpenDocument",
    "application/vnd.oasis.opendocument.spreadsheet": "tableur OpenDocument",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document Word",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "classeur Excel",
    "application/msword": "document Word",
    "application/vnd.ms-excel": "classeur Excel",
}
# The extension a document is stored and served with: the detected type's, never the upload's.
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
}
ZIPPED = {mime for mime, ext in EXTENSIONS.items() if ext in {"odt", "ods", "docx", "xlsx"}}
OLE = {"application/msword", "application/vnd.ms-excel"}


class DocumentRejected(ValueError):
    """An upload that is refused; the message (in the visitor's language) names the reason."""


class ScannerUnavailable(DocumentRejected):
    """The antivirus is configured but could not answer: nothing is accepted until it does."""


def download_name(original_name: str, content_type: str) -> str:
    """The name a document is served under: the applicant's, with the detected type's extension."""
    stem = PurePath(original_name.replace("\\", "/")).stem or "document"
    return f"{stem}.{EXTENSIONS.get(content_type, 'bin')}"


def _megabytes(size: int) -> str:
    return _("%(size)s Mo") % {"size": f"{size / (1024 * 1024):.1f}".replace(".", ",")}


def inspect_upload(upload: UploadedFile[bytes]) -> str:
    """The detected content type of an acceptable upload, or DocumentRejected."""
    limit = settings.UPLOAD_MAX_BYTES
    size = upload.size or 0
    if size == 0:
        raise DocumentRejected(_("Le fichier est vide."))
    if size > limit:
        raise DocumentRejected(
            _("Le fichier fait %(size)s : la taille maximale est de %(limit)s.")
            % {"size": _megabytes(size), "limit": _megabytes(limit)}
        )
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    if mime not in ACCEPTED:
        if mime:
            raise DocumentRejected(
                _(
                    "Le contenu de ce fichier n'est ni un PDF, ni une image PNG ou JPEG, ni un "
                    "document bureautique (Word, Excel, OpenDocument), quel que soit son nom "
                    "(contenu détecté : %(mime)s)."
                )
                % {"mime": mime}
            )
        raise DocumentRejected(
            _(
                "Le contenu de ce fichier n'est ni un PDF, ni une image PNG ou JPEG, ni un document "
                "bureautique (Word, Excel, OpenDocument), quel que soit son nom."
            )
        )
    data = b"".join(upload.chunks())
    upload.seek(0)
    _refuse_hazards(data, mime)
    if antivirus.is_configured():
        _scan(upload, data, mime)
    return mime


def _refuse_hazards(data: bytes, mime: str) -> None:
    limit = settings.UPLOAD_MAX_EXPANDED_BYTES
    hazard = hazards.polyglot(data, mime)
    if not hazard and mime == "application/pdf":
        hazard = hazards.pdf_active_content(data, limit)
    if not hazard and mime in ZIPPED:
        hazard = hazards.archive(data, limit)
    if not hazard and mime in OLE:
        hazard = hazards.ole_macros(data)
    if hazard:
        # Never the file's name nor who sent it: the digest is enough to find it again.
        logger.warning(
            "upload refused: %s (%s, %d bytes, sha256 %s)",
            hazard.code,
            mime,
            len(data),
            hashlib.sha256(data).hexdigest(),
        )
        raise DocumentRejected(hazard.message)


def _scan(upload: UploadedFile[bytes], data: bytes, mime: str) -> None:
    try:
        signature = antivirus.scan(upload)
    except antivirus.ScannerUnavailable as exc:
        raise ScannerUnavailable(
            _(
                "L'analyse antivirus des documents est momentanément indisponible : le fichier "
                "n'a pas été enregistré. Réessayez dans quelques minutes."
            )
        ) from exc
    if signature:
        logger.warning(
            "upload refused: virus %s (%s, %d bytes, sha256 %s)",
            signature,
            mime,
            len(data),
            hashlib.sha256(data).hexdigest(),
        )
        raise DocumentRejected(
            _(
                "L'antivirus a détecté « %(signature)s » dans ce fichier : il n'a pas été enregistré."
            )
            % {"signature": signature}
        )
