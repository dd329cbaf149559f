"""Every form a person can submit, fed with Hypothesis values drawn from its own fields and
with inputs that once crashed servers: validation answers (valid, or errors in words at the
fields), it never raises.

POLLEN_FUZZ_EXAMPLES sets the examples per form (default 320; 24 forms × 320 = 7,680 cases).
The sign-in form is left to tests/accounts (its backend counts failures per address).
"""

import os
from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pollen.accounts import forms as account_forms
from pollen.applications import forms as application_forms
from pollen.expertise import forms as expertise_forms
from pollen.grants import forms as grant_forms
from pollen.instruction import forms as instruction_forms
from pollen.jam import forms as jam_forms
from pollen.places import forms as place_forms
from tests.jam.conftest import room  # noqa: F401 (the small jam's fixture)

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("POLLEN_FUZZ_EXAMPLES", "320"))

# Inputs that once crashed a server somewhere (here or in the projects we learn from).
HOSTILE = [
    "",
    " ",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "-0",
    "9" * 40,
    "0." + "0" * 30 + "1",
    "100.000",
    "100,000",
    "1 000,50 €",
    "1\u202f000",
    "١٢٣",
    "12,345.67",
    "9999-12-31",
    "0000-00-00",
    "2013-02-30",
    "2013-13-01T25:61",
    '=HYPERLINK("http://x")',
    "<script>alert(1)</script>",
    "\x00",
    "a\x00b",
    "\r\n",
    "😀" * 50,
    "x" * 5000,
    "-2147483649",
    "18446744073709551616",
    "Mo-Fr 09:00-18:00; PH off",
    "Mo-Fr 25:00-26:00",
    "29232",
    "00000",
]


def field_values(field: forms.Field) -> st.SearchStrategy[Any]:
    """What a browser (or someone with curl) could send for this field."""
    base: list[st.SearchStrategy[Any]] = [
        st.sampled_from(HOSTILE),
        st.text(max_size=60),
        st.integers().map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
        st.dates().map(str),
    ]
    choices = [str(value) for value, _label in getattr(field, "choices", []) or []]
    if choices:
        base.append(st.sampled_from(choices))
    single = st.one_of(*base)
    if isinstance(field, forms.MultipleChoiceField):
        return st.lists(single, max_size=4)
    return single


@st.composite
def form_data(draw: st.DrawFn, form: forms.Form) -> MultiValueDict:
    data = MultiValueDict()
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField) or not draw(st.booleans() | st.just(True)):
            continue
        value = draw(field_values(field))
        data.setlist(form.add_prefix(name), value if isinstance(value, list) else [value])
    return data


FORMS: dict[str, Callable[[Any], tuple[type[forms.Form], dict[str, Any]]]] = {
    "organisation": lambda f: (account_forms.OrganisationForm, {}),
    "sign-up siret": lambda f: (account_forms.SiretForm, {}),
    "sign-up": lambda f: (account_forms.SignUpForm, {}),
    "invitation": lambda f: (account_forms.InvitationForm, {}),
    "invited account": lambda f: (account_forms.InvitedAccountForm, {"email": "a@b.example"}),
    "project": lambda f: (application_forms.ProjectForm, {}),
    "expense": lambda f: (
        application_forms.ExpenseForm,
        {"categories": [(c.id, c.label) for c in f["call"].spec.expense_categories]},
    ),
    "resource": lambda f: (application_forms.ResourceForm, {}),
    "reopen": lambda f: (application_forms.ReopenForm, {}),
    "award": lambda f: (grant_forms.AwardForm, {}),
    "sign": lambda f: (grant_forms.SignForm, {}),
    "paid": lambda f: (grant_forms.PaidForm, {}),
    "report": lambda f: (grant_forms.ReportForm, {"spec": f["call"].spec}),
    "jam registration": lambda f: (jam_forms.RegistrationForm, {"jam": f["room"].jam}),
    "room code": lambda f: (jam_forms.RoomCodeForm, {}),
    "proposal": lambda f: (jam_forms.ProposalForm, {}),
    "jam comment": lambda f: (jam_forms.CommentForm, {}),
    "synthesis": lambda f: (jam_forms.SynthesisForm, {"group": f["room"].groups[0]}),
    "jam decision": lambda f: (jam_forms.DecisionForm, {}),
    "directory search": lambda f: (place_forms.DirectorySearchForm, {}),
    "coverage": lambda f: (place_forms.CoverageForm, {}),
    "siting": lambda f: (place_forms.SitingForm, {}),
    "place": lambda f: (place_forms.PlaceForm, {"can_link": True}),
    "bulk action": lambda f: (instruction_forms.BulkActionForm, {}),
    "completeness": lambda f: (instruction_forms.CompletenessForm, {"spec": f["call"].spec}),
    "message": lambda f: (instruction_forms.MessageForm, {}),
    "expert profile": lambda f: (expertise_forms.ExpertProfileForm, {}),
    "review": lambda f: (expertise_forms.ReviewForm, {"spec": f["call"].spec}),
}


@pytest.mark.parametrize("name", sorted(FORMS))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_input_makes_a_form_raise(name, data, call_2013, room):  # noqa: F811
    form_class, kwargs = FORMS[name]({"call": call_2013, "room": room})
    values = data.draw(form_data(form_class(**kwargs)))
    form = form_class(data=values, **kwargs)
    if form.is_valid():
        assert isinstance(form.cleaned_data, dict)
        return
    for field, errors in form.errors.items():
        assert field == "__all__" or field in form.fields
        assert errors and all(isinstance(e, str) and e.strip() for e in errors)


@pytest.mark.parametrize("value", ["18446744073709551616", "-1", "1.5", "١", "0"])
def test_an_id_no_row_can_have_is_a_field_error_not_a_database_error(value, room):  # noqa: F811
    synthesis = jam_forms.SynthesisForm(data={"proposals": [value]}, group=room.groups[0])
    assert not synthesis.is_valid() and "proposals" in synthesis.errors
    place = place_forms.PlaceForm(data={"organisation": value}, can_link=True)
    assert not place.is_valid() and "organisation" in place.errors
