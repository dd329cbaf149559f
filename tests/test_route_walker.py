"""Every route × every persona (and every API token) against a table of expected answers."""

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from pollen import clock
from pollen.api.auth import create_token
from pollen.audit.models import AuditEvent
from pollen.expertise.models import Assignment
from pollen.grants import services as grant_services
from pollen.instruction import assignment_services
from pollen.instruction.models import PairKind
from pollen.jam import selectors as jam_selectors
from pollen.jam.models import JamRole, Lever, Proposal, WorkingGroup
from pollen.jobs.models import Job, JobStatus
from pollen.places import reports
from pollen.places.models import Place, PlaceKind
from pollen.places.services import create_place
from pollen.selection import services as selection_services
from pollen.selection.adapters import ScenarioParameters
from tests.builders import eligible_draft, organisation_for
from tests.conftest import PERSONA_ROLES, PERSONAS
from tests.grants.helpers import DECIDED
from tests.instruction.conftest import make_expert, submitted_application
from tests.jam.conftest import START, make_jam, person
from tests.selection.conftest import score
from tests.test_urls import routes

pytestmark = pytest.mark.django_db

LOGIN = "login"  # a 302 to the sign-in page
ALLOWED = frozenset({200, 302, 400})  # an empty form: shown again, refused, or nothing to do
TOKENS = [*(f"token:{p}" for p in PERSONA_ROLES), "no token", "made-up token"]
EXCLUDED_NAMESPACES = {"admin"}  # Django's own permissions: see the /admin/ test below
EXCLUDED_NAMES = {":set_language"}  # i18n: a language switch, the same for everyone

STAFF = {"instructor", "manager", "admin"}  # User.is_programme_staff
RANKING = STAFF | {"committee"}  # review.can_read_ranking
SIT = {"committee", "manager", "admin"}  # selection.can_sit
FOLLOWERS = STAFF | {"committee", "finance"}  # grants.can_follow_grants
APPLICANTS = {"applicant", "applicant_b"}
# applications.can_view on the applicant's submitted application, which the expert reviews.
READS_A = STAFF | {"applicant", "expert"}

Expected = int | str | frozenset[int]
Table = dict[str, Expected]


def rule(who: set[str], yes: Expected, no: Expected, *, anonymous: Expected = LOGIN) -> Table:
    return {p: anonymous if p == "anonymous" else (yes if p in who else no) for p in PERSONAS}


def everyone(status: Expected) -> Table:
    return rule(set(), status, status, anonymous=status)


def signed_in(status: Expected) -> Table:
    return rule(set(), status, status)


def but(table: Table, **changes: Expected) -> Table:
    return {**table, **changes}


PUBLIC = (everyone(200), everyone(200))
POST_ONLY = signed_in(405)  # @login_required then @require_POST
POST_ONLY_OPEN = everyone(405)  # @require_POST without a login


def staff_only() -> tuple[Table, Table]:
    return rule(STAFF, 200, 403), rule(STAFF, ALLOWED, 403)


def sit_only() -> tuple[Table, Table]:
    return rule(SIT, 200, 403), rule(SIT, ALLOWED, 403)


def followers_only() -> tuple[Table, Table]:
    return rule(FOLLOWERS, 200, 403), rule(FOLLOWERS, ALLOWED, 403)


def jam_runner() -> tuple[Table, Table]:
    """jam.can_run: the organiser (the manager here) only; no login, the jam knows its people."""
    organiser = {"manager"}
    return rule(organiser, 200, 403, anonymous=403), rule(organiser, ALLOWED, 403, anonymous=403)


def jam_action() -> tuple[Table, Table]:
    """A console action (POST only): the service's gate, 403 for anyone but the organiser."""
    return POST_ONLY_OPEN, rule({"manager"}, ALLOWED, 403, anonymous=403)


def api_public() -> dict[str, Table]:
    """Open to anyone, a token or not; GET only."""
    return {
        "get": everyone(200) | dict.fromkeys(TOKENS, 200),
        "post": everyone(405) | dict.fromkeys(TOKENS, 405),
    }


def api_staff(get: Expected, post: Expected) -> dict[str, Table]:
    """Sessions do not open the API; a staff token does, any other token is a 403."""
    anyone = everyone(401) | {"no token": 401, "made-up token": 401}
    tokens = {f"token:{p}": (get if p in STAFF else 403) for p in PERSONA_ROLES}
    post_tokens = {f"token:{p}": (post if p in STAFF else 403) for p in PERSONA_ROLES}
    return {"get": anyone | tokens, "post": anyone | post_tokens}


# GET and POST (empty body) answers of every route, by namespace:name. The rule each one follows
# is the view's and its selectors' (`can_…`, `access_…`), read from the code.
TABLE: dict[str, tuple[Table, Table]] = {
    ":home": PUBLIC,
    ":healthz": (everyone(200), everyone(405)),
    ":readyz": (everyone(200), everyone(405)),
    "calls:detail": PUBLIC,
    "territory:commune_search": PUBLIC,
    "opendata:index": PUBLIC,
    "opendata:scdl": PUBLIC,
    # accounts
    "accounts:login": (rule(set(), 302, 302, anonymous=200), rule(set(), 302, 302, anonymous=200)),
    "accounts:logout": (everyone(405), everyone(302)),
    "dashboard:index": (signed_in(200), signed_in(200)),
    # POST only; every session of the person ends, then the sign-in page
    "accounts:sign_out_everywhere": (signed_in(405), signed_in(LOGIN)),
    "accounts:organisation": (rule(APPLICANTS, 200, 302), rule(APPLICANTS, ALLOWED, 302)),
    # staff POST without "demande": get_object_or_404(pk=0)
    "accounts:organisation_changes": (rule(STAFF, 200, 403), rule(STAFF, 404, 403)),
    # the second factor: everyone here has given it (staff) or owes none (applicants), so the
    # code and enrolment pages send on; the backup codes are the second factor's holders'
    "accounts:otp_verify": (signed_in(302), signed_in(302)),
    # staff have their app already: on to its code page (under /connexion/, so LOGIN here)
    "accounts:otp_enrol": (rule(APPLICANTS, 302, LOGIN), rule(APPLICANTS, 302, LOGIN)),
    "accounts:otp_backup_codes": (
        rule(APPLICANTS, 302, 200) | {"anonymous": LOGIN},
        signed_in(302),  # staff: ten new codes, then the page that shows them
    ),
    "accounts:reauth": (signed_in(200), signed_in(200)),
    "accounts:second_factor_reset": (rule({"admin"}, 200, 403), rule({"admin"}, 302, 403)),
    "accounts:password_change": (signed_in(200), signed_in(200)),
    "accounts:password_reset": (everyone(200), everyone(200)),
    "accounts:password_reset_done": (everyone(200), everyone(405)),
    # a made-up link: the page says it no longer works, whoever asks
    "accounts:password_reset_confirm": (everyone(200), everyone(200)),
    "accounts:password_reset_complete": (everyone(200), everyone(405)),
    # the ways in: creating an account (the signed-in go to their space), a made-up link says
    # it no longer works; ProConnect is off unless configured (GET only: a POST is a 405)
    "accounts:sign_up": (
        rule(set(), 302, 302, anonymous=200),
        rule(set(), 302, 302, anonymous=200),
    ),
    "accounts:sign_up_done": (everyone(200), everyone(405)),
    "accounts:sign_up_confirm": (everyone(200), everyone(200)),
    "accounts:proconnect": (everyone(404), everyone(405)),
    "accounts:proconnect_callback": (everyone(404), everyone(405)),
    # invitations.can_invite: the programme's manager (the administrator is platform-wide)
    "accounts:programme_invitations": (
        rule({"manager", "admin"}, 200, 403),
        rule({"manager", "admin"}, ALLOWED, 403),
    ),
    "accounts:invitation_accept": (everyone(200), everyone(200)),
    # privacy: the notice is public; one's own data and account, for whoever is signed in (an
    # empty POST to close an account is refused by the form: no password, nothing happens)
    "privacy:notice": (everyone(200), everyone(405)),
    "privacy:my_data": (signed_in(200), signed_in(405)),
    "privacy:download": (signed_in(200), signed_in(405)),
    "privacy:close_account": (signed_in(200), signed_in(200)),
    # the footer's pages: public, GET only
    "about:accessibility": (everyone(200), everyone(405)),
    "about:legal_notice": (everyone(200), everyone(405)),
    "about:sitemap": (everyone(200), everyone(405)),
    # applications: the applicant's submitted application (read by the assigned expert) …
    "applications:new": (rule(APPLICANTS, 200, 403), rule(APPLICANTS, ALLOWED, 403)),
    "applications:detail": (rule(READS_A, 200, 404), rule(READS_A, 200, 404)),
    "applications:document": (rule(READS_A, 200, 404), rule(READS_A, 200, 404)),
    "applications:receipt": (rule(READS_A, 200, 404), rule(READS_A, 200, 404)),
    "applications:receipt_pdf": (rule(READS_A, 200, 404), rule(READS_A, 200, 404)),
    "applications:reopen": (POST_ONLY, but(rule(STAFF, 302, 404), applicant=403, expert=403)),
    # … and its draft, which only the applicant edits (staff read it, and are sent back)
    "applications:edit": (
        but(rule(STAFF, 302, 404), applicant=200),
        but(rule(STAFF, 302, 404), applicant=ALLOWED),
    ),
    # An empty upload or an unsworn submission: the page again, the reason at the field.
    "applications:upload": (POST_ONLY, but(rule(STAFF, 403, 404), applicant=200)),
    "applications:remove_document": (POST_ONLY, but(rule(STAFF, 403, 404), applicant=302)),
    "applications:recap": (but(rule(STAFF, 302, 404), applicant=200), signed_in(405)),
    "applications:submit": (POST_ONLY, but(rule(STAFF, 403, 404), applicant=200)),
    # places: a public directory; the manager, the admin and the place's own structure edit
    "places:directory": PUBLIC,
    "places:export_csv": PUBLIC,
    "places:detail": PUBLIC,
    "places:coverage": PUBLIC,
    "places:siting": PUBLIC,
    "places:map_svg": PUBLIC,
    # The map's PDF is a job anyone may start (POST): 303 to its page, or the file if drawn.
    "places:map_pdf": (POST_ONLY_OPEN, everyone(frozenset({200, 303}))),
    "places:outlines": PUBLIC,
    "places:create": (
        rule({"manager", "admin"}, 200, 403),
        rule({"manager", "admin"}, ALLOWED, 403),
    ),
    # An import is a job for those who add places; its result page is for whoever ran it.
    "places:import": (
        rule({"manager", "admin"}, 200, 403),
        rule({"manager", "admin"}, ALLOWED, 403),
    ),
    "places:import_result": (rule(set(), 404, 404), POST_ONLY),
    "places:edit": (
        rule({"manager", "admin", "applicant"}, 200, 403),
        rule({"manager", "admin", "applicant"}, ALLOWED, 403),
    ),
    # review
    "instruction:index": (
        but(rule(RANKING, 200, 403), expert=302),
        but(rule(RANKING, 200, 403), expert=302),
    ),
    "instruction:list": staff_only(),
    # The exports and the assignment are jobs: 303 to the job's page (GET only for exports).
    "instruction:export_csv": (rule(STAFF, 303, 403), signed_in(405)),
    "instruction:export_xlsx": (rule(STAFF, 303, 403), signed_in(405)),
    "instruction:experts": staff_only(),
    "instruction:pairs": staff_only(),
    "instruction:bulk": (POST_ONLY, staff_only()[1]),
    "instruction:assign": (POST_ONLY, rule(STAFF, 303, 403)),
    "instruction:pair_delete": (POST_ONLY, staff_only()[1]),
    "instruction:completeness": (POST_ONLY, rule(STAFF, ALLOWED, 404)),
    "expertise:ranking": (rule(RANKING, 200, 403), rule(RANKING, 200, 403)),
    "instruction:thread": (
        rule(STAFF | {"applicant"}, 200, 404),
        rule(STAFF | {"applicant"}, ALLOWED, 404),
    ),
    # the expert has rendered no review yet: only the team and the committee read them
    "expertise:application_reviews": (rule(RANKING, 200, 404), rule(RANKING, 200, 404)),
    "expertise:my_reviews": (rule({"expert"}, 200, 403), rule({"expert"}, 200, 403)),
    "expertise:my_profile": (rule({"expert"}, 200, 403), rule({"expert"}, ALLOWED, 403)),
    "expertise:declare_conflict": (POST_ONLY, rule({"expert"}, ALLOWED, 403)),
    "expertise:review": (rule({"expert"}, 200, 404), rule({"expert"}, ALLOWED, 404)),
    # selection
    "selection:index": sit_only(),
    "selection:committee": sit_only(),
    "selection:run_detail": sit_only(),
    "selection:problem_json": sit_only(),
    "selection:compare": sit_only(),
    "selection:decisions": sit_only(),
    "selection:run": (POST_ONLY, sit_only()[1]),
    "selection:freeze": (POST_ONLY, sit_only()[1]),
    # a finished scenario job of the committee's (pollen.jobs): its owner and whom its kind lets
    # follow it (can_sit on its call); the page goes on to the run; it made no file
    # No sign-in required (a browser may follow its own job by its session): a POST is a 405.
    "jobs:detail": (rule(SIT, 302, 404), POST_ONLY_OPEN),
    "jobs:state": (rule(SIT, 200, 404), POST_ONLY_OPEN),
    "jobs:state_json": (rule(SIT, 200, 404), POST_ONLY_OPEN),
    "jobs:file": (rule(set(), 404, 404), POST_ONLY_OPEN),
    # the applicant's organisation, the team and the committee; never an expert
    "selection:decision": (
        rule(SIT | STAFF | {"applicant"}, 200, 404),
        rule(SIT | STAFF | {"applicant"}, 200, 404),
    ),
    "selection:letter": (
        rule(SIT | STAFF | {"applicant"}, 200, 404),
        rule(SIT | STAFF | {"applicant"}, 200, 404),
    ),
    # grants
    "grants:list": followers_only(),
    "grants:payments": followers_only(),
    "grants:payments_csv": followers_only(),
    "grants:dashboard": followers_only(),
    "grants:award": (
        rule({"manager", "admin"}, 200, 403),
        rule({"manager", "admin"}, ALLOWED, 403),
    ),
    "grants:detail": (
        rule(FOLLOWERS | {"applicant"}, 200, 404),
        rule(FOLLOWERS | {"applicant"}, 200, 404),
    ),
    "grants:agreement_pdf": (
        rule(FOLLOWERS | {"applicant"}, 200, 404),
        rule(FOLLOWERS | {"applicant"}, 200, 404),
    ),
    # the grant is found (404 otherwise), then the signature is the team's
    "grants:sign": (
        POST_ONLY,
        rule(STAFF, 302, 403, anonymous=LOGIN) | dict.fromkeys(("applicant_b", "expert"), 404),
    ),
    # the grantee only; the followers see the grant but file no report
    "grants:report": (
        rule({"applicant"}, 200, 403) | dict.fromkeys(("applicant_b", "expert"), 404),
        rule({"applicant"}, ALLOWED, 403) | dict.fromkeys(("applicant_b", "expert"), 404),
    ),
    # a follower finds the payment; asking for it is the team's (the service's gate)
    "grants:payment_step": (POST_ONLY, rule(STAFF, 302, 404) | {"committee": 403, "finance": 403}),
    # jam: public pages; inside, who you are is your participant (the manager organises,
    # the applicant sits in the first group)
    "jam:list": PUBLIC,
    "jam:followup": PUBLIC,
    "jam:detail": PUBLIC,
    "jam:decisions": PUBLIC,
    "jam:open_data": PUBLIC,
    "jam:register": (everyone(200), everyone(ALLOWED)),
    "jam:enter_code": (POST_ONLY_OPEN, everyone(400)),
    # a personal link enters whoever holds it; a runner's phone scanning it checks them in
    "jam:enter": (but(everyone(302), manager=200), but(everyone(302), manager=200)),
    "jam:room": (
        rule({"manager", "applicant"}, 200, 403, anonymous=403) | {"manager": 302},
        rule({"manager", "applicant"}, 200, 403, anonymous=403) | {"manager": 302},
    ),
    "jam:group_live": (
        rule({"manager", "applicant"}, 200, 403, anonymous=403),
        rule({"manager", "applicant"}, 200, 403, anonymous=403),
    ),
    # server-sent events: under WSGI (the test client) a 204, and the page keeps polling
    "jam:group_stream": (everyone(204), everyone(204)),
    "jam:projection_stream": (everyone(204), everyone(204)),
    "jam:group_projection_stream": (everyone(204), everyone(204)),
    "jam:console_stream": (everyone(204), everyone(204)),
    "jam:synthesis": jam_runner(),
    "jam:console": jam_runner(),
    "jam:console_live": jam_runner(),
    "jam:invitations": jam_runner(),
    # The report is a job the jam's team starts (POST): 303 to its page.
    "jam:report": (POST_ONLY_OPEN, rule({"manager"}, 303, 403, anonymous=403)),
    "jam:projection": jam_runner(),
    "jam:projection_live": jam_runner(),
    "jam:group_projection": jam_runner(),
    "jam:group_projection_live": jam_runner(),
    "jam:openings": jam_action(),
    "jam:broadcast": jam_action(),
    "jam:seat_groups": jam_action(),
    "jam:check_in": jam_action(),
    "jam:phase_action": jam_action(),
    # no target group in the body: refused before anyone is looked at
    "jam:move": (POST_ONLY_OPEN, everyone(403)),
    # no decision-maker among the personas
    "jam:decide": (POST_ONLY_OPEN, everyone(403)),
    # these catch the refusal and send back to the room with its reason (nothing changes)
    "jam:comment": (POST_ONLY_OPEN, everyone(302)),
    "jam:vote": (POST_ONLY_OPEN, everyone(302)),
    # validation comes before the gate: two proposals are needed, nothing changes
    "jam:merge": (POST_ONLY_OPEN, everyone(302)),
    # a member's (or the organiser's) empty proposal is a 400; outsiders read nothing (403)
    "jam:post": (POST_ONLY_OPEN, rule({"manager", "applicant"}, 400, 403, anonymous=403)),
}

API: dict[str, dict[str, Table]] = {
    "api:openapi": api_public(),
    "api:docs": api_public(),
    "api:calls": api_public(),
    "api:call": api_public(),
    "api:awards": api_public(),
    "api:places": api_public(),
    "api:coverage": api_public(),
    "api:staff_applications": api_staff(200, 405),
    "api:application_status": api_staff(405, frozenset({400, 409})),
    "api:application_note": api_staff(405, frozenset({400})),
    "api:<any other path>": {
        "get": everyone(404) | dict.fromkeys(TOKENS, 404),
        "post": everyone(404) | dict.fromkeys(TOKENS, 404),
    },
}

# Routes whose parameters the world cannot fill, with the reason (none today).
UNFILLED: dict[str, str] = {}

REFUSALS = {401, 403, 404, 405, LOGIN}
# Answered with a redirect or a 400 for everyone, a refusal included: nobody changes anything.
# Done, audited, then sent to the sign-in page: the one success that looks like a refusal.
SIGNS_OUT = {"accounts:sign_out_everywhere"}
NOTHING_CHANGES = {"jam:comment", "jam:vote", "jam:merge", "jam:post", "jam:move", "jam:decide"}

# Answers the code gives today that break the rule in TABLE: each one is left out of the walk and
# tried by a test of its own that is marked xfail(strict=True): fixing it makes that test
# fail, then the entry goes.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}  # none today


def route_key(namespace: str, entry: Any) -> str:
    if entry.name is None and namespace == "api":
        return "api:<any other path>"
    return f"{namespace}:{entry.name}"


def site_routes() -> list[str]:
    return sorted(
        {
            route_key(namespace, entry)
            for namespace, route, entry in routes()
            if namespace not in EXCLUDED_NAMESPACES
            and route_key(namespace, entry) not in EXCLUDED_NAMES
        }
    )


@pytest.fixture
def world(call_2013, personas) -> dict[str, Any]:
    """One of each thing a route names, the applicant's wherever an owner matters."""
    applicant, manager = personas["applicant"], personas["manager"]
    org = organisation_for(applicant, name="Fablab de Rennes")
    organisation_for(
        personas["applicant_b"], siret="44306184100047", commune="29019", name="Fablab de Brest"
    )
    a = submitted_application(call_2013, applicant, "Atelier laser à Rennes")
    b = submitted_application(call_2013, personas["applicant_b"], "Fabrique à Brest")
    draft = eligible_draft(call_2013, applicant)
    profile = make_expert(personas["expert"], commune="75056")
    Assignment.objects.create(
        application=a, expert=profile, assigned_at=clock.now(), assigned_by=personas["instructor"]
    )
    rule_ = assignment_services.set_pair_rule(
        acting_user=personas["instructor"], application=b, profile=profile, kind=PairKind.FORBID
    )
    score(a, "4.2", 1)
    score(b, "3.1", 2)
    run = selection_services.run_scenario(
        acting_user=personas["committee"],
        call=call_2013,
        name="Notes seules",
        parameters=ScenarioParameters(envelope=Decimal("150000.00"), max_awards=2),
    )
    selection_services.freeze_run(acting_user=manager, run=run)
    job = Job.objects.create(
        kind="selection.scenario",
        owner=personas["committee"],
        params={"call": call_2013.pk},
        status=JobStatus.DONE,
        result={"url": f"/comite/appels/{call_2013.slug}/scenarios/{run.pk}/"},
        created_at=clock.now(),
        next_attempt_at=clock.now(),
    )
    grant = grant_services.award_grant(
        acting_user=manager, application=a, amount=Decimal("70000.00"), decided_on=DECIDED
    )
    grant = grant_services.sign_agreement(
        acting_user=personas["instructor"], grant=grant, signed_on=DECIDED, signatory="C. Martin"
    )
    place = create_place(
        acting_user=None,
        values={"name": "Fablab de Rennes", "kind": PlaceKind.FABLAB, "commune_id": "35238"},
    )
    Place.objects.filter(pk=place.pk).update(organisation=org)
    jam = make_jam("bercy", manager)
    group = WorkingGroup.objects.create(jam=jam, position=0, theme="Fablabs partout")
    person(jam, "Olga Organise", role=JamRole.ORGANISER, user=manager)
    member = person(jam, "Paul Porteur", group=group, user=applicant)
    proposal = Proposal.objects.create(
        jam=jam,
        group=group,
        author=member,
        title="Un fablab par canton",
        text="Des machines partout.",
        lever=Lever.FUNDING,
        created_at=START,
    )
    return {
        "expert": personas["expert"].pk,
        "call": call_2013.slug,
        "programme": call_2013.programme.slug,
        "programme_pk": call_2013.programme.pk,
        "a": a.pk,
        "document": a.documents.earliest("pk").pk,
        "draft": draft.pk,
        "draft_document": draft.documents.earliest("pk").pk,
        "pair_rule": rule_.pk,
        "run": run.pk,
        "job": job.pk,
        "b": b.pk,
        "grant": grant.pk,
        "payment": grant.payments.earliest("pk").pk,
        "place": place.pk,
        "jam": jam.slug,
        "group": group.pk,
        "proposal": proposal.pk,
        "member": member.pk,
        "phase": jam.phases.earliest("position").pk,
        "token": jam_selectors.personal_token(member),
    }


# The URL parameters of each route, from the world.
PARAMS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "accounts:second_factor_reset": lambda w: {"pk": w["expert"]},
    "accounts:password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "pas-un-jeton"},
    "calls:detail": lambda w: {"slug": w["call"]},
    "applications:new": lambda w: {"slug": w["call"]},
    **{f"applications:{n}": (lambda w: {"pk": w["a"]}) for n in ("detail", "reopen")},
    **{
        f"applications:{n}": (lambda w: {"pk": w["draft"]})
        for n in ("edit", "upload", "recap", "submit")
    },
    "applications:document": lambda w: {"pk": w["a"], "doc_pk": w["document"]},
    "applications:remove_document": lambda w: {"pk": w["draft"], "doc_pk": w["draft_document"]},
    "applications:receipt": lambda w: {"pk": w["a"], "round_number": 1},
    "applications:receipt_pdf": lambda w: {"pk": w["a"], "round_number": 1},
    "places:detail": lambda w: {"pk": w["place"]},
    "places:edit": lambda w: {"pk": w["place"]},
    "places:import_result": lambda w: {"job_id": w["job"]},
    **{
        f"instruction:{n}": (lambda w: {"slug": w["call"]})
        for n in ("list", "export_csv", "export_xlsx", "bulk", "assign", "pairs")
    },
    "instruction:pair_delete": lambda w: {"slug": w["call"], "pk": w["pair_rule"]},
    **{f"instruction:{n}": (lambda w: {"pk": w["a"]}) for n in ("thread", "completeness")},
    "expertise:ranking": lambda w: {"slug": w["call"]},
    **{f"expertise:{n}": (lambda w: {"pk": w["a"]}) for n in ("application_reviews", "review")},
    **{
        f"selection:{n}": (lambda w: {"slug": w["call"]})
        for n in ("committee", "run", "compare", "decisions")
    },
    **{
        f"selection:{n}": (lambda w: {"slug": w["call"], "pk": w["run"]})
        for n in ("run_detail", "problem_json", "freeze")
    },
    "selection:decision": lambda w: {"pk": w["a"]},
    **{
        f"jobs:{n}": (lambda w: {"job_id": w["job"]})
        for n in ("detail", "state", "state_json", "file")
    },
    "selection:letter": lambda w: {"pk": w["a"]},
    "grants:award": lambda w: {"application_pk": w["b"]},
    **{f"grants:{n}": (lambda w: {"pk": w["grant"]}) for n in ("detail", "agreement_pdf", "sign")},
    "grants:report": lambda w: {"pk": w["grant"], "kind": "progress"},
    "grants:payment_step": lambda w: {"pk": w["payment"], "step": "demander"},
    "grants:dashboard": lambda w: {"slug": w["programme"]},
    "accounts:sign_up_confirm": lambda w: {"token": "made-up"},
    "accounts:invitation_accept": lambda w: {"token": "made-up"},
    "accounts:programme_invitations": lambda w: {"pk": w["programme_pk"]},
    **{
        f"jam:{n}": (lambda w: {"slug": w["jam"]})
        for n in (
            "detail",
            "decisions",
            "register",
            "enter_code",
            "room",
            "console",
            "openings",
            "broadcast",
            "seat_groups",
            "invitations",
            "projection",
            "projection_live",
            "projection_stream",
            "console_stream",
        )
    },
    "jam:console_live": lambda w: {"slug": w["jam"], "area": "deroule"},
    "jam:report": lambda w: {"slug": w["jam"], "fmt": "pdf"},
    "jam:open_data": lambda w: {"slug": w["jam"], "fmt": "json"},
    "jam:enter": lambda w: {"slug": w["jam"], "token": w["token"]},
    **{
        f"jam:{n}": (lambda w: {"slug": w["jam"], "pk": w["group"]})
        for n in (
            "group_live",
            "post",
            "merge",
            "synthesis",
            "group_projection",
            "group_projection_live",
            "group_stream",
            "group_projection_stream",
        )
    },
    **{
        f"jam:{n}": (lambda w: {"slug": w["jam"], "pk": w["proposal"]})
        for n in ("comment", "vote", "decide")
    },
    "jam:move": lambda w: {"slug": w["jam"], "pk": w["member"]},
    "jam:check_in": lambda w: {"slug": w["jam"], "pk": w["member"]},
    "jam:phase_action": lambda w: {"slug": w["jam"], "pk": w["phase"], "action": "demarrer"},
    "api:call": lambda w: {"slug": w["call"]},
    "api:application_status": lambda w: {"pk": w["a"]},
    "api:application_note": lambda w: {"pk": w["a"]},
}


def path_of(name: str, w: dict[str, Any]) -> str:
    if name == "api:<any other path>":
        return "/api/v1/nothing-here"
    params = PARAMS.get(name, lambda _: {})(w)
    return reverse(name.removeprefix(":"), kwargs=params)


def answer(client: Client, method: str, path: str, **headers: str) -> tuple[Expected, bool]:
    """The status (or LOGIN) and whether an audit event was written; everything the request
    wrote is undone and the client's cookies (its session) are kept."""
    cookies = copy.deepcopy(client.cookies)
    try:
        with transaction.atomic():
            before = AuditEvent.objects.count()
            response = getattr(client, method)(path, headers=headers)
            wrote = AuditEvent.objects.count() > before
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies
    if response.streaming:  # read to the end: the test client then closes the file
        for _chunk in response.streaming_content:
            pass
    if response.status_code == 302 and response["Location"].startswith("/connexion/"):
        return LOGIN, wrote
    return response.status_code, wrote


def matches(expected: Expected, got: Expected) -> bool:
    return got in expected if isinstance(expected, frozenset) else got == expected


@pytest.fixture
def walker(world, personas, settings):
    settings.POLLEN_API_RATE_LIMIT = 1_000_000
    cache.clear()
    reports.reset_caches()
    clients = {}
    for name in PERSONAS:
        clients[name] = Client(raise_request_exception=False)
        if name != "anonymous":
            clients[name].force_login(personas[name])
    tokens = {
        f"token:{p}": create_token(acting_user=None, user=personas[p], name="walker")[1]
        for p in PERSONA_ROLES
    }
    tokens["made-up token"] = "pol_" + "x" * 43
    yield world, clients, tokens
    reports.reset_caches()
    cache.clear()


def test_every_route_of_the_site_has_expected_answers():
    missing = [r for r in site_routes() if r not in TABLE and r not in API and r not in UNFILLED]
    assert missing == []
    stale = [r for r in (*TABLE, *API) if r not in site_routes()]
    assert stale == []


def test_every_route_answers_each_persona_and_token_as_the_table_says(walker):
    world, clients, tokens = walker
    differences: dict[tuple[str, str, str], tuple[Expected, Expected]] = {}
    tried = 0
    for name in site_routes():
        if name in UNFILLED:
            continue
        path = path_of(name, world)
        if name in API:
            expected = {"get": API[name]["get"], "post": API[name]["post"]}
        else:
            expected = dict(zip(("get", "post"), TABLE[name], strict=True))
        for method, table in expected.items():
            for who, want in table.items():
                if (name, method, who) in KNOWN_BUGS:
                    continue  # tried by its own strict xfail test
                if who in clients:
                    got, wrote = answer(clients[who], method, path)
                else:
                    key = tokens.get(who, "")
                    auth = {"Authorization": f"Bearer {key}"} if key else {}
                    got, wrote = answer(clients["anonymous"], method, path, **auth)
                tried += 1
                if not matches(want, got):
                    differences[(name, method, who)] = (want, got)
                elif (
                    wrote and (got in REFUSALS or name in NOTHING_CHANGES) and name not in SIGNS_OUT
                ):
                    differences[(name, method, who)] = ("nothing written", "an audit event")
    assert tried > 1500
    assert differences == {}


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "admin"])
def test_the_admin_site_is_closed_to_everyone_but_the_administrator(client, personas, persona):
    if persona != "anonymous":
        client.force_login(personas[persona])
    response = client.get("/admin/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")


def test_the_administrator_reaches_the_admin_site(client, personas):
    client.force_login(personas["admin"])
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    "body", [{}, {"title": "Hors du groupe", "text": "Lu ?", "lever": "funding"}]
)
@pytest.mark.parametrize("persona", ["anonymous", "applicant_b"])
def test_an_outsider_posting_to_a_group_reads_nothing_of_it(client, personas, world, persona, body):
    """Someone outside the group posting to it is refused, and reads nothing of the group."""
    if persona != "anonymous":
        client.force_login(personas[persona])
    response = client.post(path_of("jam:post", world), body)
    assert "Paul Porteur" not in response.content.decode()  # the author of the group's proposal
    assert response.status_code == 403
