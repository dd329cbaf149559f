"""French sentences that keep their template and figures, so that an interface can show them in
another language.

The domain speaks French, the language of the calls and of the receipts. A sentence it builds
for people is a `Text`: a template with named placeholders (`%(amount)s`) and the values that
fill them: words as strings, figures as `Amount`, `Share`, `Number` or `Day`, left unformatted,
or other `Text`s.
`str(text)` is the French sentence, its figures written the domain's French way (for the CLI,
exports and the API); the web layer passes the template through gettext and writes the figures
in the visitor's language (`pollen.formatting.sentence`). Templates are wrapped in
`gettext_noop`, the name `makemessages` looks for, so they reach the translation catalogue
without this package importing Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any, NamedTuple

from pollen.domain.apply.money import format_eur, format_percent


def gettext_noop(template: str) -> str:
    """Mark a template for the catalogue; it is translated where it is shown."""
    return template


class Amount(NamedTuple):
    """Euros: « 12 000,00 € » in French, "€12,000.00" in English."""

    euros: Decimal


class Share(NamedTuple):
    """A share of one: 0.7 is « 70 % » / "70%", to `places` decimals at most (or exactly,
    when `fixed`: 0.4 is « 40,00 % »)."""

    value: Decimal
    places: int = 2
    fixed: bool = False


class Number(NamedTuple):
    """A count or a measure, grouped by thousands: « 12 345 » / "12,345"."""

    value: Decimal | int
    places: int = 0


class Day(NamedTuple):
    """A calendar day: « 05/09/2013 » in the domain's French, the page's date format on the web."""

    value: dt.date


Figure = Amount | Share | Number | Day
# A parameter may itself be a sentence (« 1 habitant » / « 12 habitants »), translated with its host.
type Param = str | Figure | Text
FigureWriter = Callable[[Figure], str]

_NO_PARAMS: Mapping[str, Param] = MappingProxyType({})


def french(figure: Figure) -> str:
    """A figure the domain's French way (plain spaces), for the CLI, exports and the API."""
    if isinstance(figure, Amount):
        return format_eur(figure.euros)
    if isinstance(figure, Share) and figure.fixed:
        value = (figure.value * 100).quantize(Decimal(1).scaleb(-figure.places), ROUND_HALF_UP)
        return f"{value:f}".replace(".", ",") + " %"
    if isinstance(figure, Share):
        return format_percent(figure.value, figure.places)
    if isinstance(figure, Number):
        text = f"{Decimal(figure.value):,.{figure.places}f}"
        return text.replace(",", " ").replace(".", ",")
    return figure.value.strftime("%d/%m/%Y")


class Text(NamedTuple):
    # A named tuple rather than a frozen dataclass: the engine builds one per verdict, and
    # a named tuple is about 1.4 times cheaper to create (410 ns against 570 ns, timeit).
    template: str
    params: Mapping[str, Param] = _NO_PARAMS

    def __str__(self) -> str:
        return self.translated(_same)

    def translated(self, gettext: Callable[[str], str], write: FigureWriter = french) -> str:
        """The sentence in the language whose gettext is given (French: the template itself),
        its figures written by `write` (the domain's French unless told)."""
        template = gettext(self.template)
        if not self.params:
            return template
        return template % {k: _written(v, gettext, write) for k, v in self.params.items()}

    def __reduce__(self) -> tuple[type[Text], tuple[str, dict[str, Param]]]:
        # Pickled with the reports the cache keeps: a mappingproxy does not pickle, a dict does.
        return (Text, (self.template, dict(self.params)))

    def to_json(self) -> dict[str, Any]:
        """Template and parameters as JSON values, read back by `text_of_json`."""
        return {
            "template": self.template,
            "params": {k: _param_json(v) for k, v in self.params.items()},
        }


def _same(template: str) -> str:
    return template


def _written(value: Param, gettext: Callable[[str], str], write: FigureWriter) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Text):
        return value.translated(gettext, write)
    return write(value)


_KINDS: dict[str, type[Amount] | type[Share] | type[Number] | type[Day]] = {
    "amount": Amount,
    "share": Share,
    "number": Number,
    "day": Day,
}


def _param_json(value: Param) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, Text):
        return {"kind": "text", **value.to_json()}
    kind = next(name for name, cls in _KINDS.items() if isinstance(value, cls))
    if isinstance(value, Day):
        return {"kind": kind, "value": value.value.isoformat()}
    extra: dict[str, Any] = {} if isinstance(value, Amount) else {"places": value.places}
    if isinstance(value, Share):
        extra["fixed"] = value.fixed
    return {"kind": kind, "value": str(value[0]), **extra}


def _param_of_json(data: Any) -> Param:
    if isinstance(data, str):
        return data
    kind = data["kind"]
    if kind == "text":
        return text_of_json(data)
    if kind == "day":
        return Day(dt.date.fromisoformat(data["value"]))
    if kind == "amount":
        return Amount(Decimal(data["value"]))
    if kind == "share":
        return Share(Decimal(data["value"]), int(data["places"]), bool(data.get("fixed")))
    return Number(Decimal(data["value"]), int(data["places"]))


def text_of_json(data: Mapping[str, Any]) -> Text:
    """The `Text` that `Text.to_json` wrote."""
    params = {k: _param_of_json(v) for k, v in data.get("params", {}).items()}
    return Text(data["template"], MappingProxyType(params) if params else _NO_PARAMS)
