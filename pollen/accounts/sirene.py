"""The Sirene directory, asked for an organisation's name from its SIRET (POLLEN_SIRENE_URL).

The public « API Recherche d'entreprises » answers `?q=<siret>` with JSON: `results`, each with
its `siren` and `nom_raison_sociale` (or `nom_complet`). Any failure is « unreachable »: the
person types the name and the account is created all the same.
"""

import json
import logging
from dataclasses import dataclass
from urllib.error import URLError
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

from django.conf import settings

logger = logging.getLogger(__name__)
MAX_ANSWER_BYTES = 1_000_000


@dataclass(frozen=True)
class SireneAnswer:
    reachable: bool
    legal_name: str = ""  # empty when the directory does not know this SIRET


def look_up(siret: str) -> SireneAnswer | None:
    """The directory's answer for a valid SIRET, or None when no directory is configured."""
    url = settings.SIRENE_URL
    if not url:
        return None
    if urlsplit(url).scheme not in {"http", "https"}:
        logger.warning("POLLEN_SIRENE_URL is neither http nor https: %s", url)
        return SireneAnswer(reachable=False)
    separator = "&" if "?" in url else "?"
    request = Request(  # noqa: S310 - the scheme is checked above
        f"{url}{separator}{urlencode({'q': siret})}", headers={"Accept": "application/json"}
    )
    try:
        with urlopen(request, timeout=settings.SIRENE_TIMEOUT) as response:  # noqa: S310
            data = json.loads(response.read(MAX_ANSWER_BYTES))
    except (URLError, OSError, ValueError) as error:
        logger.warning("Sirene look-up failed: %s", error)
        return SireneAnswer(reachable=False)
    return SireneAnswer(reachable=True, legal_name=_name_of(data, siret))


def _name_of(data: object, siret: str) -> str:
    """The legal name of the company whose SIREN starts this SIRET, if the answer has it."""
    results = data.get("results") if isinstance(data, dict) else None
    for result in results if isinstance(results, list) else []:
        if isinstance(result, dict) and result.get("siren") == siret[:9]:
            name = result.get("nom_raison_sociale") or result.get("nom_complet") or ""
            return str(name).strip()[:200]
    return ""
