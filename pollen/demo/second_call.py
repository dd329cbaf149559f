"""The demo's current call: the Bretagne 2026 call, open on the demo's clock, with fresh
applications already submitted, reviewed and scored, so its committee can try scenarios."""

import datetime as dt
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from pollen import clock
from pollen.accounts.models import LegalForm, Machine, Organisation, Role, User
from pollen.applications import services
from pollen.applications.models import Application, Status
from pollen.calls.models import Call
from pollen.demo.management.commands.load_demo import fake_siret, pdf_bytes
from pollen.demo.names import fablab_name, of_place
from pollen.domain.apply.budget import (
    Budget,
    ExpenseLine,
    ResourceKind,
    ResourceLine,
    ResourceStatus,
)
from pollen.expertise import review_services
from pollen.expertise import services as expertise_services
from pollen.expertise.models import Assignment, ExpertiseTag, Recommendation
from pollen.instruction import assignment_services
from pollen.instruction import services as instruction_services
from pollen.territory.models import Commune

SLUG = "bretagne-tiers-lieux-2026"
FRESH = 12  # submitted, complete, reviewed three times and scored
INSTRUCTOR = "instructeur.bretagne@pollen.example"
T = ExpertiseTag
# The region's own fictitious experts: those of 2013 are busy with that call.
EXPERTS = [
    ("y.le-goff@experts-fictifs.example", "Yann Le Goff", "29019", [T.RURAL, T.MACHINES]),
    ("n.kerbrat@experts-fictifs.example", "Nolwenn Kerbrat", "35238", [T.EDUCATION, T.RURAL]),
    ("p.morvan@experts-fictifs.example", "Pierrick Morvan", "29232", [T.BUSINESS_MODEL]),
    ("a.guillou@experts-fictifs.example", "Aziliz Guillou", "35238", [T.SOCIAL_INCLUSION]),
    ("t.riou@experts-fictifs.example", "Tangi Riou", "29019", [T.ENVIRONMENT, T.DESIGN]),
]


def load_second_call_demo() -> dict[str, int]:
    """Idempotent: does nothing once the call has applications. Returns what it made."""
    call = Call.objects.get(slug=SLUG)
    if Application.objects.filter(call=call).exists():
        return {}
    rng = random.Random(2026)
    communes = list(
        Commune.objects.actuelles()
        .filter(region_id="53", population__gte=1500, population__lte=20000)
        .order_by("code")
    ) or list(Commune.objects.actuelles().filter(region_id="53").order_by("code"))
    if not communes:
        return {}
    picked = (
        rng.sample(communes, FRESH)
        if len(communes) >= FRESH
        else [communes[i % len(communes)] for i in range(FRESH)]
    )
    applications = [_submitted(rng, call, commune, index) for index, commune in enumerate(picked)]
    submitted = [a for a in applications if a is not None]
    reviews = _reviewed(rng, call, submitted)
    return {"applications": len(submitted), "reviews": reviews}


def _budget(rng: random.Random) -> Budget:
    """Within the call's rules: at most 80 000 € and half the cost, half of it investment."""
    equipment = Decimal(rng.randrange(40, 90) * 1000)
    works = Decimal(rng.randrange(10, 40) * 1000)
    staff = Decimal(rng.randrange(5, 25) * 1000)
    total = equipment + works + staff
    subsidy = min(Decimal("80000"), (total * Decimal(rng.choice(["0.35", "0.45", "0.50"]))))
    subsidy = subsidy.quantize(Decimal("1000"))
    department = (total * Decimal("0.20")).quantize(Decimal("0.01"))
    return Budget(
        (
            ExpenseLine("Découpeuse laser, fraiseuse et imprimantes 3D", "equipment", equipment),
            ExpenseLine("Aménagement du local", "works", works),
            ExpenseLine("Animation des premiers mois", "staff", staff),
        ),
        (
            ResourceLine(
                "Subvention demandée",
                ResourceKind.REQUESTED_SUBSIDY,
                ResourceStatus.REQUESTED,
                subsidy,
            ),
            ResourceLine(
                "Conseil départemental", ResourceKind.PUBLIC, ResourceStatus.ACQUIRED, department
            ),
            ResourceLine(
                "Fonds propres",
                ResourceKind.OWN,
                ResourceStatus.ACQUIRED,
                total - subsidy - department,
            ),
        ),
    )


def _submitted(rng: random.Random, call: Call, commune: Commune, index: int) -> Application | None:
    organisation = Organisation.objects.create(
        legal_name=fablab_name(commune.name),
        siret=fake_siret(rng),
        legal_form=rng.choice([LegalForm.ASSOCIATION, LegalForm.SCIC]),
        address=f"{rng.randint(1, 40)} place de la Mairie",
        commune=commune,
        is_fablab=True,
        machines=[Machine.LASER_CUTTER.value, Machine.PRINTER_3D.value],
        is_fictitious=True,
    )
    owner = User.objects.create_user(
        f"contact-bzh-{index:02d}@fablab-fictif.example",
        None,
        full_name=f"Contact {organisation.legal_name}",
        role=Role.APPLICANT,
        organisation=organisation,
    )
    started = call.opens_at + dt.timedelta(days=3 + 4 * index)
    with clock.override(started):
        application = services.create_application(
            acting_user=owner,
            call=call,
            organisation=organisation,
            title=f"Ouvrir un atelier de fabrication {of_place(commune.name)}",
            kind="creation",
            summary="Projet fictif de démonstration : un atelier partagé dans une commune rurale.",
        )
        Application.objects.filter(pk=application.pk).update(is_fictitious=True)
        services.save_draft(
            acting_user=owner,
            application=application,
            title=application.title,
            summary=application.summary,
            kind=application.kind,
            budget=_budget(rng),
        )
        for doc in call.spec.documents:
            upload = SimpleUploadedFile(
                f"{doc.id}.pdf",
                pdf_bytes(f"{doc.label} — {organisation.legal_name}"),
                "application/pdf",
            )
            services.add_document(
                acting_user=owner, application=application, doc_type=doc.id, upload=upload
            )
    with clock.override(started + dt.timedelta(days=2, hours=rng.randint(1, 8))):
        services.submit_application(acting_user=owner, application_id=application.pk)
    application.refresh_from_db()
    return application if application.status == Status.SUBMITTED else None


def _reviewed(rng: random.Random, call: Call, applications: list[Application]) -> int:
    """Declared complete, three experts each, every review rendered: the call's scores exist."""
    instructor = User.objects.get(email=INSTRUCTOR)
    moment = call.opens_at + dt.timedelta(days=4 * FRESH + 12)  # after the last submission
    with clock.override(moment):
        for application in applications:
            instruction_services.declare_complete(acting_user=instructor, application=application)
        for email, name, insee, tags in EXPERTS:
            user = User.objects.filter(email=email).first() or User.objects.create_user(
                email, None, full_name=name, role=Role.EXPERT
            )
            user.programmes.add(call.programme_id)
            profile = expertise_services.save_expert_profile(
                acting_user=user,
                user=user,
                tags=[str(t) for t in tags],
                organisation_name="Réseau breton des tiers-lieux (fictif)",
                commune=Commune.objects.filter(code=insee).first(),
                max_load=9,
            )
            profile.is_fictitious = True
            profile.save(update_fields=["is_fictitious"])
        complete = list(call.applications.filter(status=Status.COMPLETE).order_by("pk"))
        assignment_services.assign_experts(acting_user=instructor, call=call, applications=complete)
    spec = call.spec
    low, high = spec.scoring.scale_min, spec.scoring.scale_max
    count = 0
    with clock.override(moment + dt.timedelta(days=7)):
        for assignment in (
            Assignment.objects.filter(application__call=call)
            .select_related("expert__user")
            .order_by("application_id", "expert_id")
        ):
            quality = low + (high - low) * rng.random()
            marks = {
                c.id: Decimal(max(low, min(high, round(quality + rng.uniform(-0.8, 0.8)))))
                for c in spec.scoring.criteria
            }
            review_services.save_review(
                acting_user=assignment.expert.user,
                assignment=assignment,
                marks=marks,
                comments="Avis fictif de démonstration : ancrage rural clair, budget réaliste.",
                recommendation=Recommendation.FUND if quality >= 3 else Recommendation.DO_NOT_FUND,
                submit=True,
            )
            count += 1
    return count
