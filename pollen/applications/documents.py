"""Checking uploaded documents: the content decides the type, never the file name."""

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

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


class DocumentRejected(ValueError):
    """An upload that is refused; the message is French and names the reason."""


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",") + " Mo"


def inspect_upload(upload: UploadedFile) -> str:
    """The detected content type of an acceptable upload, or DocumentRejected."""
    limit = settings.UPLOAD_MAX_BYTES
    size = upload.size or 0
    if size == 0:
        raise DocumentRejected("Le fichier est vide.")
    if size > limit:
        raise DocumentRejected(
            f"Le fichier fait {_megabytes(size)} : la taille maximale est de {_megabytes(limit)}."
        )
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    if mime not in ACCEPTED:
        found = f" (contenu détecté : {mime})" if mime else ""
        raise DocumentRejected(
            "Le contenu de ce fichier n'est ni un PDF, ni une image PNG ou JPEG, ni un document "
            f"bureautique (Word, Excel, OpenDocument), quel que soit son nom{found}."
        )
    return mime
