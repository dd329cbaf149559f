"""Checking uploaded documents: the content decides the type, never the file name."""

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

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
    """An upload that is refused; the message (in the visitor's language) names the reason."""


def _megabytes(size: int) -> str:
    return _("%(size)s Mo") % {"size": f"{size / (1024 * 1024):.1f}".replace(".", ",")}


def inspect_upload(upload: UploadedFile) -> str:
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
    return mime
