"""A commune field that accepts a name, a postal code or an INSEE code, with autocomplete."""

import re
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pollen.territory.models import Commune
from pollen.territory.sources import search_key

_TRAILING_CODE = re.compile(r"(\d[\dAB]\d{3})\s*$")


class CommuneField(forms.CharField):
    def __init__(self, **kwargs: Any):
        kwargs.setdefault("max_length", 160)
        kwargs.setdefault(
            "help_text",
            gettext_lazy(
                "Tapez le nom ou le code postal, puis choisissez dans la liste "
                "(ex. « Rennes » ou « 35000 »)."
            ),
        )
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {
                "list": "commune-options",
                "autocomplete": "off",
                "hx-get": reverse_lazy("territory:commune_search"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": "#commune-options",
                "hx-swap": "innerHTML",
            }
        )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Commune):
            return f"{value.name} ({value.departement_id or ''}) — {value.code}"
        if isinstance(value, str) and len(value) == 5 and value[:2].isalnum():
            commune = Commune.objects.filter(code=value).first()
            if commune:
                return self.prepare_value(commune)
        return value

    def clean(self, value: Any) -> Commune | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        match = _TRAILING_CODE.search(text)
        if match and (commune := Commune.objects.filter(code=match.group(1).upper()).first()):
            return commune
        if text.isdigit() and len(text) == 5:
            by_postal = list(Commune.objects.actuelles().filter(postal_codes__contains=text)[:2])
            if len(by_postal) == 1:
                return by_postal[0]
            if len(by_postal) > 1:
                raise forms.ValidationError(
                    _(
                        "Plusieurs communes ont le code postal %(code)s : "
                        "choisissez la vôtre dans la liste."
                    )
                    % {"code": text}
                )
        by_name = list(Commune.objects.filter(search_name=search_key(text))[:2])
        if len(by_name) == 1:
            return by_name[0]
        if len(by_name) > 1:
            raise forms.ValidationError(
                _("Plusieurs communes s'appellent « %(name)s » : choisissez dans la liste.")
                % {"name": text}
            )
        raise forms.ValidationError(
            _("Commune inconnue : « %(name)s ». Choisissez une commune dans la liste proposée.")
            % {"name": text}
        )
