"""Turns stored applications, experts, conflicts and pair rules into the domain's assignment problem."""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count

from pollen.applications.models import Application
from pollen.calls.models import Call
from pollen.domain.review import assignment as domain
from pollen.expertise.models import Assignment, ConflictDeclaration, ExpertiseTag, ExpertProfile
from pollen.instruction.models import PairKind, PairRule

# Below this population a commune counts as rural for matching experts (a plain, stated rule).
RURAL_POPULATION = 10_000
# Words of the title and summary that point to an expertise (accents and case ignored).
KEYWORDS: dict[str, tuple[str, ...]] = {
    ExpertiseTag.EDUCATION: ("ecole", "scolaire", "college", "lycee", "educat", "formation"),
    ExpertiseTag.SOCIAL_INCLUSION: ("inclusion", "insertion", "quartier", "solidaire", "handicap"),
    ExpertiseTag.ENTREPRENEURSHIP: ("entreprise", "entrepreneur", "startup", "artisan", "prototyp"),
    ExpertiseTag.ENVIRONMENT: ("reemploi", "reparation", "recycl", "environnement"),
    ExpertiseTag.DESIGN: ("design", "textile", "artistique", "createur"),
    ExpertiseTag.RURAL: ("rural", "village", "campagne"),
}
_WORD = re.compile(r"[a-z0-9]+")


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def application_tags(application: Application) -> frozenset[str]:
    """Expertise an application calls for, from its data (needs organisation and commune)."""
    tags: set[str] = set()
    organisation = application.organisation
    if organisation.machines:
        tags.add(ExpertiseTag.MACHINES)
    commune = organisation.commune
    if commune is not None and 0 < commune.population < RURAL_POPULATION:
        tags.add(ExpertiseTag.RURAL)
    if application.kind == "creation":
        tags.add(ExpertiseTag.BUSINESS_MODEL)
    words = _WORD.findall(_plain(f"{application.title} {application.summary}"))
    for tag, stems in KEYWORDS.items():
        if any(word.startswith(stem) for word in words for stem in stems):
            tags.add(tag)
    return frozenset(str(t) for t in tags)


def application_id(application_pk: int) -> str:
    return str(application_pk)


def domain_application(application: Application) -> domain.Application:
    organisation = application.organisation
    return domain.Application(
        id=application_id(application.pk),
        organisation=organisation.legal_name,
        commune_insee=organisation.commune_id or "",
        tags=application_tags(application),
    )


def domain_expert(
    profile: ExpertProfile, max_load: int, conflicts: frozenset[str] = frozenset()
) -> domain.Expert:
    return domain.Expert(
        id=profile.user.email,
        max_load=max_load,
        organisation=profile.organisation_name,
        commune_insee=profile.commune_id or "",
        tags=frozenset(profile.tags),
        conflicts=conflicts,
    )


@dataclass(frozen=True)
class AssignmentInput:
    """The problem, and the stored objects behind each domain id."""

    problem: domain.AssignmentProblem
    applications: dict[str, Application]
    experts: dict[str, ExpertProfile]
    kept: frozenset[domain.Pair]


def _busy(profiles: Sequence[ExpertProfile], app_pks: list[int]) -> dict[int, int]:
    """Each expert's assignments on applications outside this run."""
    return dict(
        Assignment.objects.filter(expert__in=profiles)
        .exclude(application_id__in=app_pks)
        .values("expert_id")
        .annotate(n=Count("id"))
        .values_list("expert_id", "n")
    )


def _declared(app_pks: list[int]) -> dict[int, set[str]]:
    declared: dict[int, set[str]] = {}
    rows = ConflictDeclaration.objects.filter(application_id__in=app_pks)
    for expert_pk, app_pk in rows.values_list("expert_id", "application_id"):
        declared.setdefault(expert_pk, set()).add(application_id(app_pk))
    return declared


def _pairs(
    app_pks: list[int], by_pk: dict[int, ExpertProfile]
) -> tuple[set[domain.Pair], set[domain.Pair], set[domain.Pair]]:
    """Kept (a review is started), forced and forbidden pairs, as domain ids."""
    started = Assignment.objects.filter(application_id__in=app_pks, review__isnull=False)
    kept = {
        (application_id(a), by_pk[e].user.email)
        for a, e in started.values_list("application_id", "expert_id")
        if e in by_pk
    }
    forced, forbidden = set(kept), set[domain.Pair]()
    rules = PairRule.objects.filter(application_id__in=app_pks)
    for app_pk, expert_pk, kind in rules.values_list("application_id", "expert_id", "kind"):
        if expert_pk in by_pk:
            pair = (application_id(app_pk), by_pk[expert_pk].user.email)
            (forced if kind == PairKind.FORCE else forbidden).add(pair)
    return kept, forced, forbidden - kept


def build_problem(
    call: Call, applications: Sequence[Application], profiles: Sequence[ExpertProfile]
) -> AssignmentInput:
    """Experts' loads count their assignments elsewhere; started reviews are kept as forced."""
    app_pks = [a.pk for a in applications]
    busy, declared = _busy(profiles, app_pks), _declared(app_pks)
    kept, forced, forbidden = _pairs(app_pks, {p.pk: p for p in profiles})
    problem = domain.AssignmentProblem(
        reviewers_per_application=call.spec.reviewers_per_application,
        applications=tuple(domain_application(a) for a in applications),
        experts=tuple(
            domain_expert(
                p, max(0, p.max_load - busy.get(p.pk, 0)), frozenset(declared.get(p.pk, ()))
            )
            for p in profiles
        ),
        conflict_same_departement=call.spec.conflict_same_departement,
        forced=frozenset(forced),
        forbidden=frozenset(forbidden),
    )
    return AssignmentInput(
        problem=problem,
        applications={application_id(a.pk): a for a in applications},
        experts={p.user.email: p for p in profiles},
        kept=frozenset(kept),
    )


def conflict_of(call: Call, application: Application, profile: ExpertProfile) -> str | None:
    """Why this expert may not review this application (a stable code), or None."""
    declared = ConflictDeclaration.objects.filter(expert=profile, application=application).exists()
    expert = domain_expert(
        profile,
        profile.max_load,
        frozenset({application_id(application.pk)}) if declared else frozenset(),
    )
    return domain.conflict_reason(
        domain_application(application),
        expert,
        same_departement=call.spec.conflict_same_departement,
    )
