"""Every numeric rule of every shipped call, a cent under, at and a cent over its threshold.

Thresholds are read from calls/*.toml, so a changed bound is tested where it now lies; the
outcome must change exactly at the threshold, and each verdict gives the rule's own sentence.
"""

import dataclasses

import pytest

from tests.domain.call_cases import (
    CALLS,
    CENT,
    MICROSECOND,
    D,
    around,
    budget,
    calls_with,
    eur,
    param,
    pct,
    verdict,
)


def ids(calls):
    return [c.slug for c in calls]


def test_the_shipped_calls_are_both_tested() -> None:
    assert set(CALLS) == {"fablabs-2013", "bretagne-tiers-lieux-2026"}


@pytest.mark.parametrize("call", calls_with("subsidy_min"), ids=ids(calls_with("subsidy_min")))
def test_the_subsidy_floor_holds_to_the_cent(call) -> None:
    floor = param(call, "subsidy_min", "min_eur")
    verdicts = [verdict(call, "subsidy_min", b=budget(subsidy=s)) for s in around(floor)]
    assert [v.passed for v in verdicts] == [False, True, True]
    assert verdicts[0].message == (
        f"La subvention demandée ({eur(floor - CENT)}) est inférieure au plancher de {eur(floor)} "
        "fixé par l'appel."
    )
    assert verdicts[1].message == (
        f"La subvention demandée ({eur(floor)}) atteint le plancher de {eur(floor)}."
    )


@pytest.mark.parametrize("call", calls_with("subsidy_max"), ids=ids(calls_with("subsidy_max")))
def test_the_subsidy_ceiling_holds_to_the_cent(call) -> None:
    ceiling = param(call, "subsidy_max", "max_eur")
    verdicts = [  # expenses of four times the ceiling keep the share rule out of the way
        verdict(call, "subsidy_max", b=budget(subsidy=s, invest=ceiling * 4, other=D(0)))
        for s in around(ceiling)
    ]
    assert [v.passed for v in verdicts] == [True, True, False]
    assert verdicts[1].message == (
        f"La subvention demandée ({eur(ceiling)}) respecte le plafond de {eur(ceiling)}."
    )
    assert verdicts[2].message == (
        f"La subvention demandée ({eur(ceiling + CENT)}) dépasse le plafond de {eur(ceiling)} "
        "fixé par l'appel."
    )


@pytest.mark.parametrize("call", calls_with("subsidy_share"), ids=ids(calls_with("subsidy_share")))
@pytest.mark.parametrize("total", [D("100000.00"), D("99999.99"), D("123456.78")])
def test_the_subsidy_share_holds_to_the_cent(call, total) -> None:
    limit = param(call, "subsidy_share", "max_share")
    allowed = (total * limit).quantize(CENT, rounding="ROUND_DOWN")
    verdicts = [
        verdict(call, "subsidy_share", b=budget(subsidy=s, invest=total, other=D(0)))
        for s in around(allowed)
    ]
    assert [v.passed for v in verdicts] == [True, True, False]
    assert verdicts[1].message == (
        f"La subvention demandée représente {pct(allowed / total)} du coût total ({eur(total)}), "
        f"dans la limite de {pct(limit)}."
    )
    over = allowed + CENT
    assert verdicts[2].message.startswith(f"La subvention demandée ({eur(over)}) représente ")
    assert verdicts[2].message.endswith(
        f" du coût total du projet ({eur(total)}), au-delà du maximum de {pct(limit)} : "
        f"elle ne peut dépasser {eur(allowed)}."
    )


@pytest.mark.parametrize("call", calls_with("subsidy_share"), ids=ids(calls_with("subsidy_share")))
def test_a_share_just_over_the_limit_is_never_shown_as_the_limit(call) -> None:
    limit = param(call, "subsidy_share", "max_share")
    total = D("100000.00")
    over = verdict(
        call, "subsidy_share", b=budget(subsidy=total * limit + CENT, invest=total, other=D(0))
    )
    shown = pct(limit).removesuffix(" %") + ",00001 %"  # 70,00001 %, not 70 %
    assert over.message == (
        f"La subvention demandée ({eur(total * limit + CENT)}) représente {shown} du coût total "
        f"du projet ({eur(total)}), au-delà du maximum de {pct(limit)} : elle ne peut dépasser "
        f"{eur(total * limit)}."
    )


@pytest.mark.parametrize(
    ("total", "shown"),
    [
        (D("10000000.00"), "70,0000001 %"),  # 7 places
        (D("100000000.00"), "70,00000001 %"),  # 8 places, the most it shows
        (D("1000000000.00"), "70 %"),  # would need 9: rounded to the limit after all
    ],
)
def test_the_share_gets_up_to_eight_places_to_differ_from_the_limit(total, shown) -> None:
    call = CALLS["fablabs-2013"]
    over = verdict(
        call, "subsidy_share", b=budget(subsidy=total * D("0.7") + CENT, invest=total, other=D(0))
    )
    assert f"représente {shown} du coût total du projet" in over.message


def test_a_share_well_over_the_limit_is_shown_to_two_places() -> None:
    call = CALLS["fablabs-2013"]
    over = verdict(
        call, "subsidy_share", b=budget(subsidy=D("75123.45"), invest=D("100000.00"), other=D(0))
    )
    assert "représente 75,12 % du coût total du projet (100 000,00 €)" in over.message
    assert "elle ne peut dépasser 70 000,00 €." in over.message


@pytest.mark.parametrize("call", calls_with("subsidy_share"), ids=ids(calls_with("subsidy_share")))
def test_without_expenses_the_share_cannot_be_computed(call) -> None:
    empty = budget(invest=D(0), other=D(0))
    v = verdict(call, "subsidy_share", b=dataclasses.replace(empty, expenses=()))
    assert not v.passed
    assert v.message == (
        "Le budget ne comporte aucune dépense : la part de la subvention ne peut pas être calculée."
    )


@pytest.mark.parametrize(
    "call", calls_with("budget_balanced"), ids=ids(calls_with("budget_balanced"))
)
def test_the_budget_is_balanced_to_the_cent(call) -> None:
    verdicts = [
        verdict(call, "budget_balanced", b=budget(resources_gap=gap)) for gap in around(D(0))
    ]
    assert [v.passed for v in verdicts] == [False, True, False]
    assert verdicts[0].message == (
        "Le budget n'est pas équilibré : les ressources (199 999,99 €) sont inférieures aux "
        "dépenses (200 000,00 €) de 0,01 €."
    )
    assert verdicts[1].message == (
        "Le budget est équilibré : ressources et dépenses valent 200 000,00 €."
    )
    assert verdicts[2].message == (
        "Le budget n'est pas équilibré : les ressources (200 000,01 €) excèdent les dépenses "
        "(200 000,00 €) de 0,01 €."
    )


@pytest.mark.parametrize(
    "call", calls_with("cofunding_present"), ids=ids(calls_with("cofunding_present"))
)
def test_a_cofunder_is_needed_and_a_cent_is_one(call) -> None:
    none = verdict(call, "cofunding_present", b=budget(subsidy=D("200000.00"), acquired=D(0)))
    assert not none.passed
    assert none.message == (
        "Aucun cofinancement n'est indiqué : le complément de la subvention doit venir "
        "d'autres financements publics ou privés, ou de fonds propres."
    )
    some = verdict(call, "cofunding_present", b=budget(subsidy=D(0), invest=D("0.01"), other=D(0)))
    assert some.passed
    assert some.message == "Cofinancements indiqués : 0,01 € (1 ligne(s))."


ACQUIRED_CALLS = [
    c
    for c in calls_with("cofunding_present")
    if "min_acquired_share" in next(r for r in c.rules if r.kind == "cofunding_present").params
]


@pytest.mark.parametrize("call", ACQUIRED_CALLS, ids=ids(ACQUIRED_CALLS))
@pytest.mark.parametrize("total", [D("200000.00"), D("199999.99")])
def test_acquired_cofunding_covers_its_share_to_the_cent(call, total) -> None:
    need = param(call, "cofunding_present", "min_acquired_share")
    floor = (total * need).quantize(CENT, rounding="ROUND_UP")
    subsidy = D("60000.00")
    verdicts = [
        verdict(
            call,
            "cofunding_present",
            b=budget(
                subsidy=subsidy,
                invest=total,
                other=D(0),
                acquired=a,
                requested=total - subsidy - a,
            ),
        )
        for a in around(floor)
    ]
    assert [v.passed for v in verdicts] == [False, True, True]
    assert verdicts[0].message == (
        f"Les cofinancements acquis ({eur(floor - CENT)}) doivent couvrir au moins {pct(need)} "
        f"du coût total ({eur(total)})."
    )
    assert verdicts[1].message == (
        f"Cofinancements indiqués : {eur(total - subsidy)} (2 ligne(s))."
    )


@pytest.mark.parametrize("call", ACQUIRED_CALLS, ids=ids(ACQUIRED_CALLS))
def test_acquired_cofunding_has_no_share_without_expenses(call) -> None:
    need = param(call, "cofunding_present", "min_acquired_share")
    b = budget(subsidy=D(0), acquired=D("5.00"))
    v = verdict(call, "cofunding_present", b=dataclasses.replace(b, expenses=()))
    assert not v.passed
    assert v.message == (
        f"Les cofinancements acquis (5,00 €) doivent couvrir au moins {pct(need)} "
        "du coût total (0,00 €)."
    )


@pytest.mark.parametrize(
    "call", calls_with("investment_share"), ids=ids(calls_with("investment_share"))
)
@pytest.mark.parametrize("total", [D("200000.00"), D("199999.99")])
def test_investment_covers_its_share_to_the_cent(call, total) -> None:
    need = param(call, "investment_share", "min_share")
    floor = (total * need).quantize(CENT, rounding="ROUND_UP")
    verdicts = [
        verdict(call, "investment_share", b=budget(invest=i, other=total - i))
        for i in around(floor)
    ]
    assert [v.passed for v in verdicts] == [False, True, True]
    assert verdicts[0].message == (
        f"Les dépenses d'investissement ({eur(floor - CENT)}) représentent "
        f"{pct((floor - CENT) / total)} du coût total : l'appel en demande au moins {pct(need)}."
    )
    assert verdicts[1].message == (
        f"Les investissements représentent {pct(floor / total)} du coût total."
    )


@pytest.mark.parametrize(
    "call", calls_with("investment_share"), ids=ids(calls_with("investment_share"))
)
def test_investment_has_no_share_without_expenses(call) -> None:
    need = param(call, "investment_share", "min_share")
    b = budget(subsidy=D(0), acquired=D(0))
    v = verdict(call, "investment_share", b=dataclasses.replace(b, expenses=()))
    assert not v.passed
    assert v.message == (
        "Les dépenses d'investissement (0,00 €) représentent 0 % du coût total : "
        f"l'appel en demande au moins {pct(need)}."
    )


@pytest.mark.parametrize(
    "call", calls_with("has_investment"), ids=ids(calls_with("has_investment"))
)
def test_a_cent_of_investment_is_an_investment(call) -> None:
    labels = ", ".join(c.label.lower() for c in call.expense_categories if c.investment)
    refusal = f"Le budget doit comporter au moins une dépense d'investissement ({labels})."
    for amount, passed, message in [
        (D(0), False, refusal),
        (CENT, True, "Dépenses d'investissement : 0,01 €."),
    ]:
        v = verdict(call, "has_investment", b=budget(invest=amount))
        assert (v.passed, v.message) == (passed, message)
    no_line = budget()
    v = verdict(
        call, "has_investment", b=dataclasses.replace(no_line, expenses=no_line.expenses[1:])
    )
    assert (v.passed, v.message) == (False, refusal)


@pytest.mark.parametrize("call", calls_with("deadline"), ids=ids(calls_with("deadline")))
def test_the_call_is_open_from_its_opening_to_its_closing_moment(call) -> None:
    moments = [
        call.opens_at - MICROSECOND,
        call.opens_at,
        call.closes_at,
        call.closes_at + MICROSECOND,
    ]
    assert [verdict(call, "deadline", moment=m).passed for m in moments] == [
        False,
        True,
        True,
        False,
    ]


@pytest.mark.parametrize("call", calls_with("subsidy_share"), ids=ids(calls_with("subsidy_share")))
def test_no_subsidy_is_a_share_of_zero(call) -> None:
    v = verdict(call, "subsidy_share", b=budget(subsidy=D(0)))
    assert v.passed
    assert v.message.startswith("La subvention demandée représente 0 % du coût total")


@pytest.mark.parametrize("call", calls_with("subsidy_share"), ids=ids(calls_with("subsidy_share")))
def test_a_budget_of_one_euro_has_shares_too(call) -> None:
    limit = param(call, "subsidy_share", "max_share")
    verdicts = [
        verdict(call, "subsidy_share", b=budget(subsidy=s, invest=D("1.00"), other=D(0)))
        for s in around(limit)
    ]
    assert [v.passed for v in verdicts] == [True, True, False]


def test_the_share_gets_just_the_places_that_tell_it_from_the_limit() -> None:
    call = CALLS["fablabs-2013"]
    over = verdict(
        call, "subsidy_share", b=budget(subsidy=D("70001.23"), invest=D("100000.00"), other=D(0))
    )
    assert "représente 70,001 % du coût total du projet" in over.message


def test_a_limit_with_decimals_is_told_apart_at_its_own_precision() -> None:
    fablabs = CALLS["fablabs-2013"]
    rules = tuple(
        dataclasses.replace(r, params={"max_share": "0.70125"}) if r.kind == "subsidy_share" else r
        for r in fablabs.rules
    )
    call = dataclasses.replace(fablabs, rules=rules)
    over = verdict(
        call, "subsidy_share", b=budget(subsidy=D("70125.10"), invest=D("100000.00"), other=D(0))
    )
    assert "représente 70,1251 % du coût total du projet" in over.message
    assert "au-delà du maximum de 70,13 %" in over.message


@pytest.mark.parametrize(
    "call", calls_with("investment_share"), ids=ids(calls_with("investment_share"))
)
def test_a_budget_of_one_euro_has_an_investment_share_too(call) -> None:
    need = param(call, "investment_share", "min_share")
    total = D("1.00")
    verdicts = [
        verdict(call, "investment_share", b=budget(invest=i, other=total - i))
        for i in around(total * need)
    ]
    assert [v.passed for v in verdicts] == [False, True, True]
