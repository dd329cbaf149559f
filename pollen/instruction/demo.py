"""Demo data for instruction and review: experts, completeness, an assignment, rendered reviews."""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.test.utils import override_settings

from pollen import clock
from pollen.accounts.models import Role, User
from pollen.applications.models import Application, Status
from pollen.calls.models import Call
from pollen.expertise import review_services
from pollen.expertise import services as expertise_services
from pollen.expertise.models import Assignment, ExpertiseTag, ExpertProfile, Recommendation
from pollen.instruction import assignment_services, services
from pollen.territory.models import Commune

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
DEMO_EXPERT = "expert@pollen.example"
INSTRUCTOR = "instructrice@pollen.example"
T = ExpertiseTag
# (email, name, organisation, commune INSEE, tags, max load); all fictitious but the demo login.
EXPERTS = [
    (DEMO_EXPERT, "", "Université de Bretagne occidentale (fictif)", "29019",
     [T.MACHINES, T.EDUCATION, T.RURAL], 5),
    ("a.moreau@experts-fictifs.example", "Anne Moreau", "Réseau des fablabs du Rhône (fictif)",
     "69123", [T.MACHINES, T.ENTREPRENEURSHIP, T.BUSINESS_MODEL], 5),
    ("k.diallo@experts-fictifs.example", "Karim Diallo", "Agence d'innovation sociale (fictif)",
     "59350", [T.SOCIAL_INCLUSION, T.EDUCATION], 5),
    ("c.bernard@experts-fictifs.example", "Claire Bernard", "Chambre des métiers (fictif)",
     "31555", [T.ENTREPRENEURSHIP, T.DESIGN, T.BUSINESS_MODEL], 5),
    ("p.girard@experts-fictifs.example", "Paul Girard", "Parc naturel régional (fictif)",
     "63113", [T.RURAL, T.ENVIRONMENT], 4),
    ("l.nguyen@experts-fictifs.example", "Linh Nguyen", "École d'ingénieurs (fictif)",
     "67482", [T.MACHINES, T.EDUCATION], 5),
    ("j.petit@experts-fictifs.example", "Julien Petit", "Banque des territoires (fictif)",
     "75056", [T.BUSINESS_MODEL, T.ENTREPRENEURSHIP], 6),
    ("s.roche@experts-fictifs.example", "Sarah Roche", "Ressourcerie régionale (fictif)",
     "44109", [T.ENVIRONMENT, T.SOCIAL_INCLUSION, T.DESIGN], 4),
    ("m.fabre@experts-fictifs.example", "Mathieu Fabre", "Médiathèque intercommunale (fictif)",
     "13055", [T.EDUCATION, T.RURAL, T.SOCIAL_INCLUSION], 4),
]  # fmt: skip
COMPLETE_COUNT = 16  # of the demo's submitted applications; the rest wait for the instructor
# How each fictitious expert marks: harsh ones low, lenient ones high (normalisation evens it out).
BIAS = [Decimal(b) for b in ("0", "-0.8", "0.6", "0", "-0.4", "0.9", "-1.2", "0.3", "0.5")]


def load_review_demo(call_slug: str = "fablabs-2013") -> dict[str, int]:
    """Idempotent: does nothing if the demo expert already has a profile. Returns what it made."""
    if ExpertProfile.objects.filter(user__email=DEMO_EXPERT).exists():
        return {}
    call = Call.objects.get(slug=call_slug)
    # Mail would go to fictitious people: keep it in memory.
    with override_settings(MAILERS={"default": {"BACKEND": LOCMEM}}), transaction.atomic():
        return _build(call)


def _build(call: Call) -> dict[str, int]:
    rng = random.Random(2013)
    instructor = User.objects.get(email=INSTRUCTOR)
    profiles = _experts(call)
    submitted = list(call.applications.filter(status=Status.SUBMITTED).order_by("pk"))
    with clock.override(call.closes_at - dt.timedelta(hours=36)):
        for application in submitted[:COMPLETE_COUNT]:
            services.declare_complete(acting_user=instructor, application=application)
    complete = list(call.applications.filter(status=Status.COMPLETE).order_by("pk"))
    demo = profiles[0]
    with clock.override(call.closes_at - dt.timedelta(hours=30)):
        expertise_services.declare_conflict(
            acting_user=demo.user,
            profile=demo,
            application=complete[-1],
            reason="J'ai accompagné ce fablab lors de sa création (exemple fictif).",
        )
        outcome = assignment_services.assign_experts(
            acting_user=instructor, call=call, applications=complete
        )
    reviews = _reviews(rng, call, profiles, complete[: COMPLETE_COUNT - 4])
    return {
        "experts": len(profiles),
        "complete": len(complete),
        "assignments": outcome.created,
        "reviews": reviews,
    }


def _experts(call: Call) -> list[ExpertProfile]:
    profiles = []
    for email, name, organisation, insee, tags, load in EXPERTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, None, full_name=name, role=Role.EXPERT)
        user.programmes.add(call.programme_id)  # only the call's programme's experts are assigned
        with clock.override(dt.datetime(2013, 9, 1, 9, 0, tzinfo=clock.PARIS)):
            profile = expertise_services.save_expert_profile(
                acting_user=user,
                user=user,
                tags=[str(t) for t in tags],
                organisation_name=organisation,
                commune=Commune.objects.filter(code=insee).first(),
                max_load=load,
            )
        profile.is_fictitious = email != DEMO_EXPERT
        profile.save(update_fields=["is_fictitious"])
        profiles.append(profile)
    return profiles


def _reviews(
    rng: random.Random, call: Call, profiles: list[ExpertProfile], applications: list[Application]
) -> int:
    """Fictitious experts render their reviews; the demo expert's are left for the demo login."""
    spec = call.spec
    low, high = spec.scoring.scale_min, spec.scoring.scale_max
    bias = {p.pk: BIAS[i] for i, p in enumerate(profiles)}
    quality = {a.pk: Decimal(rng.randint(15, 45)) / 10 for a in applications}
    count = 0
    assignments = Assignment.objects.filter(
        application__in=applications, expert__is_fictitious=True
    ).select_related("expert__user", "application")
    with clock.override(call.closes_at - dt.timedelta(hours=20)):
        for assignment in assignments.order_by("application_id", "expert_id"):
            marks = {}
            for criterion in spec.scoring.criteria:
                noise = Decimal(rng.randint(-10, 10)) / 10
                mark = quality[assignment.application_id] + bias[assignment.expert_id] + noise
                marks[criterion.id] = Decimal(max(low, min(high, round(mark))))
            mean = sum(marks.values(), Decimal(0)) / len(marks)
            advice = (
                Recommendation.FUND
                if mean >= 4
                else Recommendation.FUND_WITH_CONDITIONS
                if mean >= 2.5
                else Recommendation.DO_NOT_FUND
            )
            review_services.save_review(
                acting_user=assignment.expert.user,
                assignment=assignment,
                marks=marks,
                comments="Avis fictif de démonstration : projet lisible, budget à préciser.",
                recommendation=advice,
                submit=True,
            )
            count += 1
    return count
