"""The demo's jams: the Bercy Jam of 25 June 2013, played through the services from
registration to the minister's decisions, and a jam still to come that visitors can run live.

The 2013 participants are fictitious (names drawn from common French names); the themes,
the format (six groups, 2 h 30, about a hundred people) and the retained proposal (a call for
projects for fablabs) come from the ministry's press release (shared/seeds).
"""

import datetime as dt
import random
from typing import Any

from django.utils.text import slugify

from pollen import clock
from pollen.accounts.models import User
from pollen.calls.models import Call
from pollen.jam import services
from pollen.jam.models import (
    Jam,
    JamRole,
    Kind,
    Lever,
    Outcome,
    Participant,
    Phase,
    PhaseKind,
    WorkingGroup,
)

BERCY_SLUG = "bercy-jam-2013"
NEXT_SLUG = "jam-fablabs-bretagne"
NEXT_ROOM_CODE = "POLLEN"
ORGANISER_EMAIL = "responsable@pollen.example"
FACILITATOR_EMAIL = "instructrice@pollen.example"

AGENDA = [
    ("Accueil et règles du jeu", PhaseKind.WELCOME, 15),
    ("Idées : chacun propose", PhaseKind.IDEAS, 40),
    ("Regrouper les idées proches", PhaseKind.GROUPING, 20),
    ("Vote aux gommettes", PhaseKind.VOTE, 15),
    ("Synthèse de chaque groupe", PhaseKind.SYNTHESIS, 30),
    ("Restitution à la ministre", PhaseKind.PLENARY, 30),
]
CONSENT = (
    "J'accepte que mon nom, mon organisation et mes contributions soient utilisés pour ce jam "
    "et son compte rendu ; mes propositions, commentaires et votes sont publiés sans mon nom "
    "en données ouvertes."
)

# Six working groups on the collaborative digital economy, each with proposals (title, lever).
BERCY_GROUPS: list[tuple[str, list[tuple[str, str, str]]]] = [
    (
        "Fablabs et fabrication numérique sur tout le territoire",
        [
            (
                "Un appel à projets pour les fablabs",
                Lever.FUNDING,
                "Financer l'équipement et l'animation d'ateliers de fabrication numérique ouverts à tous, dans les villes moyennes comme dans les campagnes.",
            ),
            (
                "Des fablabs dans les lycées professionnels",
                Lever.TRAINING,
                "Ouvrir les ateliers des lycées professionnels aux habitants le soir et pendant les vacances.",
            ),
            (
                "Un label « fablab » reconnu",
                Lever.REGULATION,
                "Une charte simple pour que collectivités et entreprises sachent ce qu'elles soutiennent.",
            ),
            (
                "Des machines achetées ensemble",
                Lever.PROCUREMENT,
                "Une centrale d'achat publique pour les découpeuses laser et imprimantes 3D.",
            ),
        ],
    ),
    (
        "Financement participatif",
        [
            (
                "Relever le plafond des prêts entre particuliers",
                Lever.REGULATION,
                "Adapter le monopole bancaire pour permettre le prêt participatif aux PME.",
            ),
            (
                "Un statut de plateforme de financement participatif",
                Lever.REGULATION,
                "Un cadre clair, plus léger que celui de prestataire de services d'investissement.",
            ),
            (
                "Bpifrance abonde les campagnes réussies",
                Lever.FUNDING,
                "Un euro public pour un euro collecté, pour les projets d'innovation.",
            ),
        ],
    ),
    (
        "Partage de biens et de services entre particuliers",
        [
            (
                "Clarifier la fiscalité des revenus de partage",
                Lever.REGULATION,
                "Distinguer le partage de frais de l'activité professionnelle.",
            ),
            (
                "Assurances adaptées au prêt d'objets",
                Lever.REGULATION,
                "Travailler avec les assureurs sur des contrats à la journée.",
            ),
            (
                "Ouvrir les données des services publics de proximité",
                Lever.COMMUNICATION,
                "Publier en données ouvertes les lieux, horaires et services pour que les plateformes les reprennent.",
            ),
        ],
    ),
    (
        "Mobilité collaborative",
        [
            (
                "Des aires de covoiturage dans chaque département",
                Lever.FUNDING,
                "Cofinancer avec les départements des aires de covoiturage signalées.",
            ),
            (
                "Partager les places de parking des entreprises",
                Lever.COMMUNICATION,
                "Encourager les entreprises à ouvrir leurs parkings le soir et le week-end.",
            ),
            (
                "La mobilité pour l'emploi",
                Lever.FUNDING,
                "Aider les personnes sans emploi à se déplacer grâce aux plateformes de partage.",
            ),
        ],
    ),
    (
        "Coworking et tiers-lieux",
        [
            (
                "Ouvrir les locaux publics vacants aux tiers-lieux",
                Lever.PROCUREMENT,
                "Mettre à disposition des bâtiments publics inoccupés à loyer modéré.",
            ),
            (
                "Le télétravail dans les tiers-lieux pour les agents publics",
                Lever.REGULATION,
                "Permettre aux agents de l'État de travailler dans un tiers-lieu proche de chez eux.",
            ),
            (
                "Une carte nationale des tiers-lieux",
                Lever.COMMUNICATION,
                "Une carte ouverte, mise à jour par les lieux eux-mêmes.",
            ),
        ],
    ),
    (
        "Confiance et réglementation de l'économie collaborative",
        [
            (
                "Des avis vérifiés sur les plateformes",
                Lever.REGULATION,
                "Des règles communes de vérification des avis et de réputation.",
            ),
            (
                "Un médiateur de l'économie collaborative",
                Lever.OTHER,
                "Un interlocuteur pour les litiges entre particuliers.",
            ),
            (
                "Former les agents publics à l'économie collaborative",
                Lever.TRAINING,
                "Des modules courts dans les écoles de la fonction publique.",
            ),
        ],
    ),
]

DECISIONS = {
    "Un appel à projets pour les fablabs": (
        Outcome.RETAINED,
        "Retenue : la ministre lance un appel à projets pour soutenir le développement des "
        "fablabs, clos le 13 septembre 2013, sélection mi-octobre.",
    ),
    "Une carte nationale des tiers-lieux": (
        Outcome.UNDER_STUDY,
        "À l'étude avec les réseaux de lieux de médiation numérique.",
    ),
    "Un statut de plateforme de financement participatif": (
        Outcome.UNDER_STUDY,
        "À l'étude : une concertation sur le cadre du financement participatif est engagée.",
    ),
    "Relever le plafond des prêts entre particuliers": (
        Outcome.NOT_RETAINED,
        "Non retenue en l'état : le sujet relève de la concertation sur le financement participatif.",
    ),
}

FIRST = [
    "Camille",
    "Dominique",
    "Claude",
    "Alix",
    "Sacha",
    "Maxime",
    "Morgan",
    "Lou",
    "Noa",
    "Charlie",
    "Eden",
    "Jules",
    "Léa",
    "Hugo",
    "Inès",
    "Théo",
    "Manon",
    "Louis",
    "Chloé",
    "Nathan",
    "Sarah",
    "Lucas",
    "Emma",
    "Paul",
    "Jeanne",
    "Yanis",
    "Rose",
    "Adam",
    "Anna",
    "Malik",
]
LAST = [
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefebvre",
    "Leroy",
    "Roux",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Faure",
    "André",
    "Mercier",
]
ORGANISATIONS = {
    Kind.COMPANY: [
        "Atelier Numérique SAS",
        "Covoit'Ouest",
        "PrêtaPartager",
        "Kiosque Data",
        "Fabrique 3D",
        "BlaBla Logistique",
        "Coopérative Cowork",
    ],
    Kind.ASSOCIATION: [
        "OuiShare",
        "FabLab de Quartier",
        "Réseau des tiers-lieux",
        "Les Petits Débrouillards",
        "Association Makers",
    ],
    Kind.ADMINISTRATION: [
        "DGCIS",
        "DGE",
        "Délégation aux usages de l'Internet",
        "Préfecture de région",
        "Bpifrance",
    ],
    Kind.CITIZEN: [""],
    Kind.ELECTED: ["Conseil régional", "Mairie de Brest", "Communauté d'agglomération"],
}
KIND_SHARES = {
    Kind.COMPANY: 40,
    Kind.ASSOCIATION: 25,
    Kind.ADMINISTRATION: 20,
    Kind.CITIZEN: 10,
    Kind.ELECTED: 5,
}


def load_jam_demo(call_slug: str = "fablabs-2013") -> None:
    """Idempotent: each jam is built once."""
    organiser = User.objects.get(email=ORGANISER_EMAIL)
    if not Jam.objects.filter(slug=BERCY_SLUG).exists():
        _bercy(organiser, Call.objects.filter(slug=call_slug).first())
    if not Jam.objects.filter(slug=NEXT_SLUG).exists():
        _next_jam(organiser)


def _jam(
    slug: str, title: str, starts_at: dt.datetime, place: str, organiser: User, **extra: Any
) -> Jam:
    jam = Jam.objects.create(
        slug=slug,
        title=title,
        starts_at=starts_at,
        place=place,
        capacity=extra.pop("capacity", 120),
        dots=extra.pop("dots", 5),
        room_code=extra.pop("room_code"),
        consent_text=CONSENT,
        organiser=organiser,
        created_at=starts_at - dt.timedelta(days=30),
        **extra,
    )
    for position, (name, kind, minutes) in enumerate(AGENDA):
        Phase.objects.create(jam=jam, position=position, name=name, kind=kind, minutes=minutes)
    return jam


def _staff(jam: Jam, user: User, role: str, group: WorkingGroup | None = None) -> Participant:
    return Participant.objects.create(
        jam=jam,
        full_name=user.full_name or user.email,
        email=user.email,
        organisation="Pollen",
        kind=Kind.ADMINISTRATION,
        role=role,
        group=group,
        pinned=group is not None,
        user=user,
        registered_at=jam.created_at,
        consented_at=jam.created_at,
    )


def _register_crowd(
    jam: Jam, rng: random.Random, count: int, groups: list[WorkingGroup]
) -> list[Participant]:
    kinds = list(KIND_SHARES)
    people = []
    for n in range(count):
        kind = rng.choices(kinds, [KIND_SHARES[k] for k in kinds])[0]
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        wishes = rng.sample(groups, 3)
        people.append(
            services.register(
                jam=jam,
                full_name=name,
                email=f"{slugify(name)}.{n}@jam.example",
                organisation=rng.choice(ORGANISATIONS[kind]),
                kind=kind,
                preferences=[g.pk for g in wishes],
            )
        )
    return people


def _bercy(organiser: User, call: Call | None) -> None:
    rng = random.Random(25062013)
    start = dt.datetime(2013, 6, 25, 9, 30, tzinfo=clock.PARIS)
    jam = _jam(
        BERCY_SLUG,
        "Bercy Jam : l'économie numérique collaborative",
        start,
        "Ministère de l'Économie, Bercy, Paris",
        organiser,
        room_code="BERCY13",
        capacity=120,
        description=(
            "Premier « Bercy Jam », organisé avec l'association OuiShare : entreprises, "
            "associations et services de l'État réfléchissent aux leviers que l'État pourrait "
            "actionner pour soutenir l'économie numérique collaborative. Six groupes, 2 h 30, "
            "des propositions présentées à la ministre."
        ),
        is_fictitious=True,
    )
    groups = [
        WorkingGroup.objects.create(jam=jam, position=i, theme=theme)
        for i, (theme, _items) in enumerate(BERCY_GROUPS)
    ]
    with clock.override(start - dt.timedelta(days=20)):
        boss = _staff(jam, organiser, JamRole.ORGANISER)
        minister = Participant.objects.create(
            jam=jam,
            full_name="La ministre déléguée à l'Économie numérique",
            email="ministre@jam.example",
            organisation="Ministère de l'Économie",
            kind=Kind.ADMINISTRATION,
            role=JamRole.DECISION_MAKER,
            registered_at=jam.created_at,
        )
        crowd = _register_crowd(jam, rng, 110, groups)
    with clock.override(start):
        for person in crowd[:100]:
            services.check_in(acting=boss, participant=person)
        services.form_groups(acting=boss, jam=jam)
    _play(jam, boss, groups, rng, start)
    with clock.override(start + dt.timedelta(hours=3)):
        for proposal in jam.proposals.filter(merged_into__isnull=True):
            outcome, answer = DECISIONS.get(
                proposal.title,
                (Outcome.UNDER_STUDY, "Transmise aux services compétents pour étude."),
            )
            linked = call if proposal.title == "Un appel à projets pour les fablabs" else None
            services.decide(
                acting=minister, proposal=proposal, outcome=outcome, answer=answer, call=linked
            )


def _play(
    jam: Jam, boss: Participant, groups: list[WorkingGroup], rng: random.Random, start: dt.datetime
) -> None:
    phases = list(jam.phases.all())
    moment = start
    for phase in phases:
        with clock.override(moment):
            services.start_phase(acting=boss, phase=phase)
            if phase.kind == PhaseKind.IDEAS:
                services.set_openings(
                    acting=boss, jam=jam, group=None, writing_open=True, commenting_open=True
                )
                _write(jam, groups, rng)
            if phase.kind == PhaseKind.VOTE:
                services.set_openings(
                    acting=boss, jam=jam, group=None, writing_open=False, voting_open=True
                )
                _vote(jam, groups, rng)
                for group in groups:
                    services.close_vote(acting=boss, group=group)
            if phase.kind == PhaseKind.SYNTHESIS:
                _synthesise(jam, boss, groups)
        moment += dt.timedelta(minutes=phase.minutes)
        with clock.override(moment):
            services.end_phase(acting=boss, phase=phase)


def _write(jam: Jam, groups: list[WorkingGroup], rng: random.Random) -> None:
    for group, (_theme, items) in zip(groups, BERCY_GROUPS, strict=True):
        members = list(group.members.all())
        for title, lever, text in items:
            proposal = services.post_proposal(
                acting=rng.choice(members), group=group, title=title, text=text, lever=lever
            )
            for _n in range(rng.randint(1, 3)):
                services.comment(
                    acting=rng.choice(members),
                    proposal=proposal,
                    text=rng.choice(
                        [
                            "D'accord, à condition de l'ouvrir aussi aux territoires ruraux.",
                            "Qui finance le fonctionnement après la première année ?",
                            "Il existe déjà des initiatives locales : partons d'elles.",
                            "Proposition essentielle pour notre secteur.",
                        ]
                    ),
                )


def _vote(jam: Jam, groups: list[WorkingGroup], rng: random.Random) -> None:
    for group in groups:
        proposals = list(group.proposals.filter(merged_into__isnull=True))
        for member in group.members.all():
            # The first proposal of each group is the crowd's favourite.
            weights = [3 if i == 0 else 1 for i in range(len(proposals))]
            chosen: set[int] = set()
            while len(chosen) < min(jam.dots, len(proposals), rng.randint(2, 4)):
                chosen.add(rng.choices(range(len(proposals)), weights)[0])
            for i in sorted(chosen):
                services.vote(acting=member, proposal=proposals[i])


def _synthesise(jam: Jam, boss: Participant, groups: list[WorkingGroup]) -> None:
    for group in groups:
        ranked = sorted(
            group.proposals.filter(merged_into__isnull=True),
            key=lambda p: (-p.votes.count(), p.created_at),
        )
        services.write_synthesis(
            acting=boss,
            group=group,
            finding=f"Le groupe « {group.theme} » constate que l'État peut accélérer ce qui existe déjà sur le terrain.",
            proposals=ranked[:2],
            lever=ranked[0].lever,
            who_acts="Le ministère, avec les collectivités et les réseaux d'acteurs",
            means="Un financement d'amorçage et un appui des services déconcentrés.",
            indicator="Nombre de projets soutenus et de personnes touchées",
        )


def _next_jam(organiser: User) -> None:
    """A jam to come: register, then run it live from the console with the demo logins."""
    start = dt.datetime(2026, 11, 27, 14, 0, tzinfo=clock.PARIS)  # after the demo clock
    jam = _jam(
        NEXT_SLUG,
        "Jam des fablabs de Bretagne : après l'appel à projets",
        start,
        "Rennes, Hôtel de Région",
        organiser,
        room_code=NEXT_ROOM_CODE,
        capacity=40,
        description="Fablabs, collectivités et habitants proposent la suite du programme en Bretagne.",
    )
    groups = [
        WorkingGroup.objects.create(jam=jam, position=i, theme=theme)
        for i, theme in enumerate(
            ["Ouvrir les fablabs à tous les publics", "Former avec les fablabs"]
        )
    ]
    facilitator = User.objects.filter(email=FACILITATOR_EMAIL).first()
    with clock.override(jam.created_at):
        _staff(jam, organiser, JamRole.ORGANISER)
        if facilitator is not None:
            _staff(jam, facilitator, JamRole.FACILITATOR, groups[0])
