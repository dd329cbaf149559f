"""Loading call files into programmes and calls."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from pollen import clock
from pollen.audit.services import record_event
from pollen.calls.models import Call, CallVersion, Programme
from pollen.domain.apply.calls import CallFileError, CallSpec, parse_call


@dataclass(frozen=True)
class LoadOutcome:
    call: Call
    created: bool
    changed: bool


def _fields(spec: CallSpec) -> dict[str, Any]:
    return {
        "version": spec.version,
        "title": spec.title,
        "funder": spec.funder,
        "opens_at": spec.opens_at,
        "closes_at": spec.closes_at,
        "selection_on": spec.selection_on,
        "target_awards": spec.target_awards,
        "envelope": spec.envelope,
    }


@transaction.atomic
def load_call(*, text: str, source_path: str = "", acting_user: Any = None) -> LoadOutcome:
    """Create or update a call from its file; the same version may not change content."""
    spec = parse_call(text)
    if source_path and Path(source_path).stem != spec.slug:
        raise CallFileError(
            [f"Le fichier {Path(source_path).name} doit s'appeler {spec.slug}.toml (son slug)."]
        )
    programme, _ = Programme.objects.update_or_create(
        slug=spec.programme.slug,
        defaults={
            "name": spec.programme.name,
            "envelope": spec.programme.envelope,
            "description": spec.programme.description,
        },
    )
    call = Call.objects.select_for_update(of=("self",)).filter(slug=spec.slug).first()
    created = call is None
    if call is not None:
        known = call.versions.filter(version=spec.version).first()
        if known and known.source_sha256 != spec.source_sha256:
            raise CallFileError(
                [
                    f"La version {spec.version} de l'appel {spec.slug} a déjà été chargée avec un autre "
                    "contenu : augmentez « version » dans le fichier avant de le recharger."
                ]
            )
        if call.source_sha256 == spec.source_sha256:
            return LoadOutcome(call, created=False, changed=False)
    before = {"version": call.version, "sha256": call.source_sha256} if call else None
    now = clock.now()
    call, _ = Call.objects.update_or_create(
        slug=spec.slug,
        defaults={
            **_fields(spec),
            "programme": programme,
            "source_path": source_path,
            "source_text": text,
            "source_sha256": spec.source_sha256,
            "loaded_at": now,
        },
    )
    CallVersion.objects.get_or_create(
        call=call,
        version=spec.version,
        defaults={"source_text": text, "source_sha256": spec.source_sha256, "loaded_at": now},
    )
    record_event(
        actor=acting_user,
        action="call.loaded",
        obj=call,
        before=before,
        after={"version": spec.version, "sha256": spec.source_sha256},
    )
    return LoadOutcome(call, created=created, changed=True)
