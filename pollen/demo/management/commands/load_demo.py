"""python manage.py load_demo: the 2013 call with ~40 fictitious fablab applications, one login per role."""

import datetime as dt
import io
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.utils.translation import gettext as _
from reportlab.pdfgen import canvas

from pollen import clock
from pollen.accounts.models import LegalForm, Machine, Organisation, Role, User
from pollen.applications import services
from pollen.applications.models import Application
from pollen.calls.models import Call, Programme
from pollen.demo.names import fablab_name, of_place
from pollen.demo.personas import (
    ALL_PERSONAS,
    DEMO_PASSWORD,
    DEMO_TOTP_BASE32,
    PERSONAS,
    give_demo_device,
    programme_of,
)
from pollen.domain.apply.budget import (
    Budget,
    ExpenseLine,
    ResourceKind,
    ResourceLine,
    ResourceStatus,
)
from pollen.domain.apply.siret import luhn_ok
from pollen.formatting import format_integer
from pollen.territory.models import Commune

CALLS_DIR = Path(__file__).resolve().parents[4] / "calls"
# The demo's clock (the Makefile's POLLEN_CLOCK_START): the 2013 programme is history, decided,
# paid and reported; the Bretagne 2026 call is open, with fresh applications already scored
# for its committee; the next jam is ahead (docs/decisions/0019-demo-clock.md).
DEMO_CLOCK_START = dt.datetime(2026, 11, 16, 10, 0, tzinfo=clock.PARIS)
LOADED_AT = DEMO_CLOCK_START - dt.timedelta(days=1)
# The e-mail domains of the demo's people (personas, fictitious applicants and experts).
DEMO_DOMAINS = (
    "@pollen.example",
    "@fablab-fictif.example",
    "@experts-fictifs.example",
    "@jam.example",
)
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def fake_siret(rng: random.Random) -> str:
    """A fictitious SIRET whose Luhn key is right (demo organisations only)."""
    while True:
        candidate = "9" + "".join(rng.choice("0123456789") for _ in range(13))
        if luhn_ok(candidate) and not candidate.startswith("356000000"):
            return candidate


def pdf_bytes(title: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 770, title)
    page.drawString(72, 750, "Document fictif de démonstration — Pollen")
    page.save()
    return buffer.getvalue()


def demo_budget(rng: random.Random, flaw: str) -> Budget:
    equipment = Decimal(rng.randrange(60, 180) * 1000)
    works = Decimal(rng.randrange(10, 60) * 1000)
    staff = Decimal(rng.randrange(10, 50) * 1000)
    expenses = [
        ExpenseLine("Découpeuse laser et imprimantes 3D", "equipment", equipment),
        ExpenseLine("Aménagement de l'atelier", "works", works),
        ExpenseLine("Animation et médiation", "staff", staff),
    ]
    total = equipment + works + staff
    share = {"share": Decimal("0.75"), "max": Decimal("0.70")}.get(
        flaw, Decimal(rng.choice(["0.45", "0.55", "0.60", "0.70"]))
    )
    subsidy = (total * share).quantize(Decimal("1000"))
    if flaw == "max":
        subsidy = Decimal("230000")
    elif flaw == "min":
        subsidy = Decimal("40000")
    subsidy = min(subsidy, total * Decimal("0.75"))
    rest = total - subsidy
    region = (rest * Decimal("0.6")).quantize(Decimal("0.01"))
    resources = [
        ResourceLine(
            "Subvention demandée", ResourceKind.REQUESTED_SUBSIDY, ResourceStatus.REQUESTED, subsidy
        )
    ]
    if flaw != "cofunding":
        resources += [
            ResourceLine("Conseil régional", ResourceKind.PUBLIC, ResourceStatus.ACQUIRED, region),
            ResourceLine("Fonds propres", ResourceKind.OWN, ResourceStatus.ACQUIRED, rest - region),
        ]
    if flaw == "unbalanced":
        resources[-1] = ResourceLine(
            "Fonds propres",
            ResourceKind.OWN,
            ResourceStatus.ACQUIRED,
            rest - region - Decimal("0.01"),
        )
    if flaw == "investment":
        expenses = [ExpenseLine("Animation et médiation", "staff", total)]
    return Budget(tuple(expenses), tuple(resources))


# (state, flaw) for the 40 applications: most complete and submitted, some drafts, some ineligible.
PLAN = (
    [("submitted", "")] * 24
    + [("corrections", "")] * 2
    + [("draft", "")] * 4
    + [
        ("draft", f)
        for f in (
            "max",
            "min",
            "share",
            "unbalanced",
            "cofunding",
            "investment",
            "documents",
            "siret",
        )
    ]
    + [("draft_empty", "")] * 2
)


class Command(BaseCommand):
    help = "Charge l'appel 2013, ses candidatures fictives et un compte par rôle (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # Fictitious applicants and published passwords have no place next to real people.
            raise CommandError(
                _(
                    "Refusé : les données de démonstration ne se chargent pas en production "
                    "(POLLEN_DEBUG=0). Lancez la commande sur une instance de démonstration "
                    "ou de développement (POLLEN_DEBUG=1)."
                )
            )
        # Whatever is not dated by its own story is dated just before the demo's clock, so
        # that nothing the demo shows lies in its future (tests/demo/test_load_demo.py).
        with clock.override(LOADED_AT):
            self._load()
        self._print_logins()

    def _load(self) -> None:
        paths = sorted(CALLS_DIR.glob("*.toml"))
        self._step(_("Chargement des appels…"), len(paths))
        for path in paths:
            call_command("load_call", str(path), verbosity=0)
        if not User.objects.filter(email=PERSONAS[0][0]).exists():
            self._step(_("Création des comptes et des candidatures fictives…"), len(PLAN))
            # Receipts would be mailed to fictitious people: keep them in memory.
            with override_settings(MAILERS={"default": {"BACKEND": LOCMEM}}), transaction.atomic():
                self._build()
            self.stdout.write("Données de démonstration créées.")
        else:
            self.stdout.write("Données de démonstration déjà présentes.")
        self._staff_of_programmes()
        self._after_the_deadline()
        self._enrol_staff()
        self._restamp()

    def _restamp(self) -> None:
        """Django stamps accounts and organisations with the real time (auto_now_add), which
        is after the demo's clock: the demo's own rows are dated when the demo is loaded."""
        demo = Q()
        for domain in DEMO_DOMAINS:
            demo |= Q(email__endswith=domain)
        User.objects.filter(demo, date_joined__gt=LOADED_AT).update(date_joined=LOADED_AT)
        Organisation.objects.filter(is_fictitious=True, created_at__gt=LOADED_AT).update(
            created_at=LOADED_AT
        )

    def _after_the_deadline(self) -> None:
        """Each later stage brings its own idempotent demo: places, review, committee, grants."""
        from pollen.demo.second_call import load_second_call_demo
        from pollen.grants.demo import load_grants_demo
        from pollen.instruction.demo import load_review_demo
        from pollen.jam.demo import load_jam_demo
        from pollen.places.demo import load_places_demo
        from pollen.selection.demo import load_selection_demo

        with override_settings(MAILERS={"default": {"BACKEND": LOCMEM}}):
            self._step(_("Lieux de démonstration…"))
            load_places_demo()
            self._step(_("Instruction et expertise (experts, affectations, avis)…"))
            load_review_demo("fablabs-2013")
            self._step(_("Comité de sélection (scénarios et décisions)…"))
            load_selection_demo("fablabs-2013")
            self._step(_("Subventions (conventions, versements, rapport)…"))
            load_grants_demo(Call.objects.get(slug="fablabs-2013"))
            self._step(_("Jams (ateliers participatifs)…"))
            load_jam_demo("fablabs-2013")
            self._step(_("Appel breton 2026 : candidatures déposées, évaluées, notées…"))
            load_second_call_demo()

    def _step(self, what: str, count: int | None = None) -> None:
        """A progress line, so a long load says what it is doing: « Chargement des appels… 4 »."""
        line = what if count is None else f"{what} {format_integer(count)}"
        self.stdout.write(line)
        self.stdout.flush()

    def _staff_of_programmes(self) -> None:
        """Each programme's team (idempotent): the Région Bretagne's accounts are created here,
        so a demo loaded before they existed gains them too."""
        for email, name, role in ALL_PERSONAS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name, role=role)
            slug = programme_of(email, role)
            if slug is not None:
                user.programmes.add(Programme.objects.get(slug=slug))

    def _enrol_staff(self) -> None:
        """Every role but the applicant's signs in with a second factor: the demo's, published."""
        for email, _name, role in ALL_PERSONAS:
            if role != Role.APPLICANT:
                give_demo_device(User.objects.get(email=email))

    def _print_logins(self) -> None:
        self.stdout.write(f"\nComptes de démonstration (mot de passe : {DEMO_PASSWORD})")
        for email, name, role in ALL_PERSONAS:
            slug = programme_of(email, role)
            where = f"  [{slug}]" if slug else ""
            self.stdout.write(f"  {Role(role).label:<28} {email:<38} {name}{where}")
        self.stdout.write(
            "\nSecond facteur (tous les rôles sauf porteur) : après le mot de passe, saisissez le\n"
            "code donné par `python manage.py demo_codes`, ou ajoutez la clé de démonstration\n"
            f"{DEMO_TOTP_BASE32} à une application d'authentification.\n"
        )
        self.stdout.write(
            f"\nJam à venir, à animer en direct : {settings.SITE_URL}/jams/jam-fablabs-bretagne/\n"
            "  organisateur : responsable@pollen.example, animatrice : instructrice@pollen.example,"
            " code de la salle : POLLEN\n"
        )
        self.stdout.write(
            f"\nPollen : {settings.SITE_URL}  (l'horloge de la démo est réglée au 16 novembre 2026 : "
            "l'appel 2013 est clos, décidé et payé ; l'appel breton 2026 est ouvert)\n"
        )

    def _build(self) -> None:
        rng = random.Random(2013)
        users = {}
        for email, name, role in PERSONAS:
            if role == Role.ADMIN:
                user = User.objects.create_superuser(email, DEMO_PASSWORD, full_name=name)
            else:
                user = User.objects.create_user(email, DEMO_PASSWORD, full_name=name, role=role)
            users[email] = user
        self._staff_of_programmes()  # before the instructors act on the 2013 applications
        call = Call.objects.get(slug="fablabs-2013")
        communes = list(
            Commune.objects.actuelles().filter(population__gte=3000, zone="metro").order_by("code")
        )
        if not communes:
            raise CommandError("Chargez d'abord le territoire : python manage.py load_territory")
        # Distinct communes when the territory is complete; a small test territory repeats them.
        picked = (
            rng.sample(communes, len(PLAN))
            if len(communes) >= len(PLAN)
            else [communes[i % len(communes)] for i in range(len(PLAN))]
        )
        applicants = [users["porteur@pollen.example"], users["porteuse2@pollen.example"]]
        for index, ((state, flaw), commune) in enumerate(zip(PLAN, picked, strict=True)):
            org = self._organisation(rng, commune, flaw)
            if index < 2:
                owner = applicants[index]
                owner.organisation = org
                owner.save(update_fields=["organisation"])
            else:
                owner = User.objects.create_user(
                    f"contact-{index:02d}@fablab-fictif.example",
                    None,
                    full_name=f"Contact {org.legal_name}",
                    role=Role.APPLICANT,
                    organisation=org,
                )
            self._application(rng, call, org, owner, state, flaw, index)

    def _organisation(self, rng: random.Random, commune: Commune, flaw: str) -> Organisation:
        machines = rng.sample([m.value for m in Machine if m != Machine.OTHER], rng.randint(2, 5))
        siret = fake_siret(rng)
        if flaw == "siret":
            siret = siret[:-1] + str((int(siret[-1]) + 1) % 10)
        return Organisation.objects.create(
            legal_name=fablab_name(commune.name),
            siret=siret,
            legal_form=rng.choice(
                [
                    LegalForm.ASSOCIATION,
                    LegalForm.ASSOCIATION,
                    LegalForm.SCIC,
                    LegalForm.LOCAL_AUTHORITY,
                ]
            ),
            address=f"{rng.randint(1, 80)} rue de l'Atelier",
            commune=commune,
            website="",
            is_fablab=True,
            machines=machines,
            opening_hours=rng.choice(
                [
                    "Mo-Fr 14:00-19:00; Sa 10:00-18:00",
                    "Tu-Sa 10:00-18:00",
                    "We,Fr 14:00-22:00; Sa 10:00-17:00",
                ]
            ),
            is_fictitious=True,
        )

    def _application(
        self,
        rng: random.Random,
        call: Call,
        org: Organisation,
        author: User,
        state: str,
        flaw: str,
        index: int,
    ) -> Application:
        start = call.opens_at + dt.timedelta(days=5 + index)
        with clock.override(start):
            application = services.create_application(
                acting_user=author,
                call=call,
                organisation=org,
                title=f"{'Créer' if index % 3 == 0 else 'Équiper'} le fablab "
                f"{of_place(org.commune.name if org.commune else '')}",
                kind="creation" if index % 3 == 0 else "improvement",
                summary="Projet fictif de démonstration : un atelier ouvert à tous, des machines numériques, "
                "des ateliers pour les scolaires et les entreprises du territoire.",
            )
            Application.objects.filter(pk=application.pk).update(is_fictitious=True)
            if state == "draft_empty":
                return application
            services.save_draft(
                acting_user=author,
                application=application,
                title=application.title,
                summary=application.summary,
                kind=application.kind,
                budget=demo_budget(rng, flaw),
            )
            for doc in call.spec.documents:
                if flaw == "documents" and doc.id == "cofunding_letters":
                    continue
                upload = SimpleUploadedFile(
                    f"{doc.id}.pdf",
                    pdf_bytes(f"{doc.label} — {org.legal_name}"),
                    content_type="application/pdf",
                )
                services.add_document(
                    acting_user=author, application=application, doc_type=doc.id, upload=upload
                )
        if state in {"submitted", "corrections"}:
            moment = call.closes_at - dt.timedelta(
                days=rng.randint(2, 40), minutes=rng.randint(1, 600)
            )
            with clock.override(moment):
                services.submit_application(acting_user=author, application_id=application.pk)
        if state == "corrections":
            instructor = User.objects.get(email="instructrice@pollen.example")
            with clock.override(call.closes_at - dt.timedelta(hours=30)):
                services.reopen_application(
                    acting_user=instructor,
                    application=application,
                    message="Merci de joindre les lettres d'engagement signées des cofinanceurs.",
                )
        return application
