"""The instructor's list: its filter form, the filtered and sorted queryset, counts per status."""

from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.forms.utils import flatatt
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from pollen.applications.models import Application, Kind, Status
from pollen.calls.models import Call
from pollen.domain.apply.eligibility import rule_statements
from pollen.formatting import sentence
from pollen.territory.models import Departement, Region

# key → (label, ordering); the id always breaks ties so pages never overlap.
SORTS: dict[str, tuple[Any, tuple[Any, ...]]] = {
    # By number, newest first: it follows the call's index, so no sort is needed.
    "number": (_("Numéro (plus récentes d'abord)"), (F("id").desc(),)),
    "recent": (_("Dernière mise à jour"), (F("updated_at").desc(), F("id").desc())),
    "title": (_("Titre"), (F("title").asc(), F("id").asc())),
    "organisation": (_("Structure"), (F("organisation__legal_name").asc(), F("id").asc())),
    "amount_desc": (
        _("Subvention demandée (décroissante)"),
        (F("requested_amount").desc(), F("id").asc()),
    ),
    "amount_asc": (
        _("Subvention demandée (croissante)"),
        (F("requested_amount").asc(), F("id").asc()),
    ),
    "score_desc": (
        _("Note normalisée (décroissante)"),
        (F("score_summary__normalised").desc(nulls_last=True), F("id").asc()),
    ),
    "status": (_("État"), (F("status").asc(), F("id").asc())),
}
PAGE_SIZES = (20, 50, 100)
ELIGIBILITY = [
    ("", _("Toutes")),
    ("yes", _("Éligibles")),
    ("no", _("Non éligibles")),
    ("unknown", _("Non vérifiées")),
]


class FastSelect(forms.Select):
    """Options written in Python: a hundred départements cost microseconds, not a template each."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        current = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(str(v))}"{" selected" if str(v) in current else ""}>'
            f"{escape(str(label))}</option>"
            for v, label in self.choices
        )
        final = flatatt(self.build_attrs(self.attrs, attrs))
        # Every value and label is escaped above; flatatt escapes the attributes.
        return mark_safe(f'<select name="{escape(name)}"{final}>{options}</select>')


class ListFilterForm(forms.Form):
    q = forms.CharField(label=_("Rechercher (titre ou structure)"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("État"), required=False, widget=FastSelect)
    eligible = forms.ChoiceField(
        label=_("Éligibilité"), choices=ELIGIBILITY, required=False, widget=FastSelect
    )
    failed_rule = forms.ChoiceField(
        label=_("Règle non respectée"), required=False, widget=FastSelect
    )
    region = forms.ChoiceField(label=_("Région"), required=False, widget=FastSelect)
    departement = forms.ChoiceField(label=_("Département"), required=False, widget=FastSelect)
    kind = forms.ChoiceField(label=_("Nature"), required=False, widget=FastSelect)
    score_min = forms.DecimalField(
        label=_("Note normalisée minimale"), required=False, max_digits=8, decimal_places=4
    )
    score_max = forms.DecimalField(
        label=_("Note normalisée maximale"), required=False, max_digits=8, decimal_places=4
    )
    expert = forms.ChoiceField(label=_("Expert affecté"), required=False, widget=FastSelect)
    sort = forms.ChoiceField(label=_("Trier par"), required=False, widget=FastSelect)
    per_page = forms.TypedChoiceField(
        label=_("Par page"),
        coerce=int,
        required=False,
        choices=[(n, str(n)) for n in PAGE_SIZES],
        widget=FastSelect,
    )

    def __init__(self, *args: Any, call: Call, experts: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        everything = [("", _("Tous"))]
        fields = self.fields
        fields["status"].choices = everything + list(Status.choices)  # type: ignore[attr-defined]
        rules = [(i, sentence(statement)) for i, statement in rule_statements(call.spec)]
        fields["failed_rule"].choices = everything + rules  # type: ignore[attr-defined]
        fields["region"].choices = [  # type: ignore[attr-defined]
            ("", _("Toutes")),
            *Region.objects.order_by("name").values_list("code", "name"),
        ]
        fields["departement"].choices = everything + [  # type: ignore[attr-defined]
            (code, f"{code} — {name}")
            for code, name in Departement.objects.order_by("code").values_list("code", "name")
        ]
        fields["kind"].choices = [("", _("Toutes")), *Kind.choices]  # type: ignore[attr-defined]
        fields["expert"].choices = everything + experts  # type: ignore[attr-defined]
        fields["sort"].choices = [(k, label) for k, (label, _order) in SORTS.items()]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ListQuery:
    """The valid part of the filter form; an invalid field is ignored, never guessed."""

    q: str = ""
    status: str = ""
    eligible: str = ""
    failed_rule: str = ""
    region: str = ""
    departement: str = ""
    kind: str = ""
    score_min: Decimal | None = None
    score_max: Decimal | None = None
    expert: int | None = None
    sort: str = "number"
    per_page: int = PAGE_SIZES[0]

    @classmethod
    def from_form(cls, form: ListFilterForm) -> "ListQuery":
        form.is_valid()
        data = form.cleaned_data
        expert = data.get("expert")
        return cls(
            q=(data.get("q") or "").strip(),
            status=data.get("status") or "",
            eligible=data.get("eligible") or "",
            failed_rule=data.get("failed_rule") or "",
            region=data.get("region") or "",
            departement=data.get("departement") or "",
            kind=data.get("kind") or "",
            score_min=data.get("score_min"),
            score_max=data.get("score_max"),
            expert=int(expert) if expert else None,
            sort=data.get("sort") or "number",
            per_page=data.get("per_page") or PAGE_SIZES[0],
        )


def _failed_rule(rule_id: str) -> Q:
    if connection.features.supports_json_field_contains:
        return Q(failed_rules__contains=[rule_id])
    # SQLite cannot test JSON containment: match the quoted id in the stored JSON text.
    return Q(failed_rules__icontains=f'"{rule_id}"')


def filtered(call: Call, query: ListQuery, *, with_status: bool = True) -> QuerySet[Application]:
    """The call's applications matching every filter (the status filter only if asked)."""
    qs = Application.objects.filter(call=call)
    conditions = []
    if query.q:
        conditions.append(
            Q(title__icontains=query.q) | Q(organisation__legal_name__icontains=query.q)
        )
    if with_status and query.status:
        conditions.append(Q(status=query.status))
    if query.eligible:
        conditions.append(
            Q(eligible__isnull=True)
            if query.eligible == "unknown"
            else Q(eligible=query.eligible == "yes")
        )
    if query.failed_rule:
        conditions.append(_failed_rule(query.failed_rule))
    if query.region:
        conditions.append(Q(organisation__commune__region_id=query.region))
    if query.departement:
        conditions.append(Q(organisation__commune__departement_id=query.departement))
    if query.kind:
        conditions.append(Q(kind=query.kind))
    if query.score_min is not None:
        conditions.append(Q(score_summary__normalised__gte=query.score_min))
    if query.score_max is not None:
        conditions.append(Q(score_summary__normalised__lte=query.score_max))
    if query.expert is not None:
        conditions.append(Q(review_assignments__expert_id=query.expert))
    return qs.filter(*conditions)


def ordered(qs: QuerySet[Application], query: ListQuery) -> QuerySet[Application]:
    return qs.order_by(*SORTS.get(query.sort, SORTS["number"])[1])


class CountedPaginator(Paginator[int]):
    """A paginator told its count: the counts per status already scanned the filtered list."""

    def __init__(self, object_list: Any, per_page: int, *, count: int):
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


def matching(counts: list[tuple[str, str, int]], query: ListQuery) -> int:
    """How many applications the list holds, from the counts per status."""
    return sum(n for value, _label, n in counts if not query.status or value == query.status)


def status_counts(call: Call, query: ListQuery) -> list[tuple[str, str, int]]:
    """(status, label, count) under every filter but the status one, in the lifecycle's order."""
    counts = dict(
        filtered(call, query, with_status=False)
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [(value, str(label), counts.get(value, 0)) for value, label in Status.choices]
