"""The directory search, the coverage and siting choices, and the place form."""

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from django import forms
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pollen.accounts.models import Machine, Organisation
from pollen.applications.models import Application, Status
from pollen.domain.territory.opening_hours import OpeningHoursError, parse
from pollen.formfields import IdModelChoiceField
from pollen.places.models import PlaceKind, PlaceStatus
from pollen.places.records import in_france, normalise_machines, split_list
from pollen.places.reports import (
    DEFAULT_MIN_POPULATION,
    DEFAULT_RADIUS_KM,
    DEFAULT_SITES,
    RADII_KM,
    SITING_MIN_POPULATIONS,
)
from pollen.places.search import Criteria
from pollen.places.sources import MAPLABBZH, MEDIATION
from pollen.territory.forms import CommuneField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_RADIUS_KM = 1000.0
# Opening hours are looked up with the public holidays of the year and of its neighbours, which
# years 1 and 9999 do not have; no one plans a visit outside this span anyway.
SEARCH_YEARS = (2000, 2100)
MACHINE_CHOICES = [(m.value, m.label) for m in Machine if m != Machine.OTHER]
WEEKDAYS = (
    ("monday", gettext_lazy("lundi")),
    ("tuesday", gettext_lazy("mardi")),
    ("wednesday", gettext_lazy("mercredi")),
    ("thursday", gettext_lazy("jeudi")),
    ("friday", gettext_lazy("vendredi")),
    ("saturday", gettext_lazy("samedi")),
    ("sunday", gettext_lazy("dimanche")),
)
WEEKDAY_INDEX = {code: i for i, (code, _label) in enumerate(WEEKDAYS)}


def parse_radius(value: Any) -> float:
    """Kilometres typed the French way ("12,5"); ValueError with a French message otherwise."""
    text = str(value).strip().lower().removesuffix("km").strip().replace(",", ".")
    try:
        radius = float(text)
    except ValueError:
        raise ValueError(
            _("Le rayon doit être un nombre de kilomètres (reçu : « %(v)s »).") % {"v": value}
        ) from None
    if not math.isfinite(radius) or radius <= 0:
        raise ValueError(
            _("Le rayon doit être strictement positif (reçu : %(v)s km).") % {"v": value}
        )
    if radius > MAX_RADIUS_KM:
        raise ValueError(_("Le rayon ne peut dépasser 1 000 km (reçu : %(v)s km).") % {"v": value})
    return radius


class RadiusField(forms.CharField):
    def __init__(self, **kwargs: Any):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean(self, value: Any) -> float | None:
        text = (super().clean(value) or "").strip()
        if not text:
            return None
        try:
            return parse_radius(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="radius") from None


class NearField(CommuneField):
    """A commune typed by name, postal code or INSEE code, with its own suggestion list."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        attrs = self.widget.attrs
        attrs.pop("name", None)
        attrs.update(
            {
                "list": "near-options",
                "hx-target": "#near-options",
                "hx-get": reverse_lazy("territory:commune_search"),
            }
        )


def _invalid(message: "StrOrPromise") -> dict[str, "StrOrPromise"]:
    return {"invalid_choice": message}


class DirectorySearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Nom, commune ou code postal"), required=False, max_length=100
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Type de lieu"),
        required=False,
        choices=[("", gettext_lazy("Tous les types")), *PlaceKind.choices],
        error_messages=_invalid(gettext_lazy("Type de lieu inconnu : « %(value)s ».")),
    )
    machine = forms.ChoiceField(
        label=gettext_lazy("Machine"),
        required=False,
        choices=[("", gettext_lazy("Toutes les machines")), *MACHINE_CHOICES],
        error_messages=_invalid(
            gettext_lazy("Machine inconnue : « %(value)s ». Choisissez une machine de la liste.")
        ),
    )
    near = NearField(label=gettext_lazy("Autour de la commune"), required=False)
    radius_km = RadiusField(
        label=gettext_lazy("Dans un rayon de (km)"),
        required=False,
        help_text=gettext_lazy("Par exemple 30. Sans rayon, les lieux sont triés par distance."),
    )
    day = forms.ChoiceField(
        label=gettext_lazy("Ouvert le (jour de la semaine)"),
        required=False,
        choices=[("", gettext_lazy("N'importe quel jour")), *WEEKDAYS],
        error_messages=_invalid(gettext_lazy("Jour inconnu : « %(value)s ».")),
    )
    date = forms.DateField(
        label=gettext_lazy("Ouvert à la date du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": gettext_lazy("Saisissez une date valide, ex. 14/07/2026.")},
    )
    open_now = forms.BooleanField(label=gettext_lazy("Ouvert maintenant"), required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Statut"),
        required=False,
        choices=[
            ("", gettext_lazy("Lieux en activité")),
            (PlaceStatus.PLANNED, gettext_lazy("En projet")),
            (PlaceStatus.CLOSED, gettext_lazy("Fermés définitivement")),
        ],
        error_messages=_invalid(gettext_lazy("Statut inconnu : « %(value)s ».")),
    )

    def clean_date(self) -> dt.date | None:
        day = self.cleaned_data.get("date")
        first, last = SEARCH_YEARS
        if day is not None and not first <= day.year <= last:
            raise forms.ValidationError(
                _("Choisissez une date entre %(first)s et %(last)s.")
                % {"first": first, "last": last},
                code="out_of_range",
            )
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        near = data.get("near")
        if data.get("radius_km") and not near and "near" not in self.errors:
            self.add_error("near", _("Indiquez la commune autour de laquelle chercher."))
        if near is not None and (near.latitude is None or near.longitude is None):
            self.add_error(
                "near",
                _("La commune %(name)s n'a pas de coordonnées connues.") % {"name": near.name},
            )
        return data


class CoverageForm(forms.Form):
    radius_km = forms.TypedChoiceField(
        label=gettext_lazy("Rayon"),
        choices=[(r, f"{r} km") for r in RADII_KM],
        coerce=int,
        required=False,
        initial=DEFAULT_RADIUS_KM,
        error_messages=_invalid(
            gettext_lazy("Rayon non proposé : « %(value)s ». Choisissez 10, 20 ou 30 km.")
        ),
    )
    machine = DirectorySearchForm.base_fields["machine"]


class SitingForm(CoverageForm):
    k = forms.IntegerField(
        label=gettext_lazy("Nombre de nouveaux lieux"),
        min_value=1,
        max_value=50,
        required=False,
        initial=DEFAULT_SITES,
        error_messages={
            "invalid": gettext_lazy("Le nombre de lieux doit être un nombre entier."),
            "min_value": gettext_lazy("Il faut au moins 1 nouveau lieu."),
            "max_value": gettext_lazy("Au plus 50 nouveaux lieux à la fois."),
        },
    )
    min_population = forms.TypedChoiceField(
        label=gettext_lazy("Communes candidates"),
        choices=[
            (p, format_lazy(gettext_lazy("au moins {n} habitants"), n=f"{p:,}".replace(",", " ")))
            for p in SITING_MIN_POPULATIONS
        ],
        coerce=int,
        required=False,
        initial=DEFAULT_MIN_POPULATION,
        error_messages=_invalid(gettext_lazy("Seuil de population non proposé : « %(value)s ».")),
    )


class PlaceForm(forms.Form):
    """A place, as a manager or the place's own organisation edits it."""

    name = forms.CharField(label=gettext_lazy("Nom"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Type de lieu"), choices=PlaceKind.choices)
    status = forms.ChoiceField(label=gettext_lazy("Statut"), choices=PlaceStatus.choices)
    address = forms.CharField(label=gettext_lazy("Adresse"), max_length=300, required=False)
    postal_code = forms.RegexField(
        label=gettext_lazy("Code postal"),
        regex=r"^\d{5}$",
        required=False,
        error_messages={"invalid": gettext_lazy("Un code postal a 5 chiffres, ex. 29000.")},
    )
    commune = CommuneField(label=gettext_lazy("Commune"), required=False)
    latitude = forms.FloatField(
        label=gettext_lazy("Latitude"),
        required=False,
        help_text=gettext_lazy(
            "En degrés décimaux, ex. 47.9961. Laissez vide pour le centre de la commune."
        ),
    )
    longitude = forms.FloatField(
        label=gettext_lazy("Longitude"), required=False, help_text=gettext_lazy("Ex. -4.1025.")
    )
    machines = forms.MultipleChoiceField(
        label=gettext_lazy("Machines"),
        choices=MACHINE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_machines = forms.CharField(
        label=gettext_lazy("Autres machines"),
        required=False,
        max_length=500,
        help_text=gettext_lazy(
            "Séparées par des points-virgules, ex. « scie à ruban ; thermoformeuse »."
        ),
    )
    opening_hours = forms.CharField(
        label=gettext_lazy("Horaires d'ouverture"),
        required=False,
        max_length=500,
        help_text=gettext_lazy(
            "Au format OpenStreetMap, ex. « Tu-Fr 14:00-19:00; Sa 10:00-18:00; PH off »."
        ),
    )
    access_conditions = forms.CharField(
        label=gettext_lazy("Conditions d'accès"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    website = forms.URLField(
        label=gettext_lazy("Site web"), required=False, max_length=300, assume_scheme="https"
    )
    phone = forms.CharField(label=gettext_lazy("Téléphone"), required=False, max_length=40)
    email = forms.EmailField(label=gettext_lazy("Courriel"), required=False, max_length=200)
    verified_on = forms.DateField(
        label=gettext_lazy("Informations vérifiées le"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    organisation = IdModelChoiceField(
        label=gettext_lazy("Structure (financée par Pollen)"),
        queryset=Organisation.objects.order_by("legal_name"),
        required=False,
    )
    application = IdModelChoiceField(
        label=gettext_lazy("Candidature retenue"),
        queryset=Application.objects.filter(status=Status.SELECTED).order_by("title"),
        required=False,
    )

    def __init__(self, *args: Any, can_link: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not can_link:
            del self.fields["organisation"], self.fields["application"]

    def clean_opening_hours(self) -> str:
        text: str = self.cleaned_data["opening_hours"].strip()
        if text:
            try:
                parse(text)
            except OpeningHoursError as exc:
                raise forms.ValidationError(str(exc), code="opening_hours") from None
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None) and not self.errors.get("latitude"):
            self.add_error(
                "latitude", _("Indiquez la latitude et la longitude, ou aucune des deux.")
            )
        elif lat is not None and lon is not None and not in_france(lat, lon):
            self.add_error("latitude", _("Ces coordonnées sont hors de France."))
        commune = data.get("commune")
        placeless = lat is None and lon is None and (commune is None or commune.latitude is None)
        if placeless and "commune" not in self.errors:
            self.add_error("commune", _("Indiquez une commune ou des coordonnées."))
        return data

    def values(self) -> dict[str, Any]:
        """The place's fields from the cleaned data (the commune's point when none is given)."""
        data = self.cleaned_data
        codes, others = normalise_machines(split_list(data["other_machines"]))
        commune = data["commune"]
        approximate = data["latitude"] is None
        values = {
            "name": data["name"],
            "kind": data["kind"],
            "status": data["status"],
            "address": data["address"],
            "commune_id": commune.code if commune else None,
            "postal_code": data["postal_code"] or (commune.main_postal_code if commune else ""),
            "latitude": commune.latitude if approximate else data["latitude"],
            "longitude": commune.longitude if approximate else data["longitude"],
            "approximate": approximate,
            "machines": list(dict.fromkeys([*data["machines"], *codes])),
            "other_machines": others,
            "opening_hours": data["opening_hours"],
            "access_conditions": data["access_conditions"],
            "website": data["website"],
            "phone": data["phone"],
            "email": data["email"],
            "verified_on": data["verified_on"],
        }
        if "organisation" in self.fields:
            values["organisation_id"] = data["organisation"].pk if data["organisation"] else None
            values["application_id"] = data["application"].pk if data["application"] else None
        return values


def criteria_of(form: DirectorySearchForm) -> Criteria:
    """The search criteria of a valid (or unbound: everything open) search form."""
    data = form.cleaned_data if form.is_bound else {}
    day = data.get("day") or ""
    return Criteria(
        text=data.get("q") or "",
        kind=data.get("kind") or "",
        machine=data.get("machine") or "",
        status=data.get("status") or "",
        near=data.get("near"),
        radius_km=data.get("radius_km"),
        weekday=WEEKDAY_INDEX[day] if day else None,
        on_date=data.get("date"),
        open_now=bool(data.get("open_now")),
    )


# The extensions each format's reader knows (sources.detect_format_and_read).
IMPORT_EXTENSIONS = {MEDIATION: (".json", ".csv"), MAPLABBZH: (".geojson", ".json")}
IMPORT_MAX_BYTES = 50 * 1024 * 1024


class PlaceImportForm(forms.Form):
    fmt = forms.ChoiceField(
        label=gettext_lazy("Format du fichier"),
        choices=[
            (
                MEDIATION,
                gettext_lazy(
                    "Schéma national des lieux de médiation numérique (JSON ou CSV, v1.0.2 ou 0.1.x)"
                ),
            ),
            (MAPLABBZH, gettext_lazy("Carte #MapLabBZH (GeoJSON)")),
        ],
        initial=MEDIATION,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=gettext_lazy("Fichier"),
        help_text=gettext_lazy(
            "Fichier .json ou .csv du schéma national, ou .geojson de #MapLabBZH ; 50 Mo au plus. "
            "Un lieu déjà importé de la même source est mis à jour, jamais dupliqué."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload, fmt = data.get("file"), data.get("fmt")
        if upload is None or fmt is None:
            return data
        suffix = (
            ("." + str(upload.name).rsplit(".", 1)[-1].lower()) if "." in str(upload.name) else ""
        )
        if suffix not in IMPORT_EXTENSIONS[fmt]:
            self.add_error(
                "file",
                _("Pour ce format, le fichier doit finir par l'une de ces extensions : %(ext)s.")
                % {"ext": ", ".join(IMPORT_EXTENSIONS[fmt])},
            )
        elif upload.size > IMPORT_MAX_BYTES:
            self.add_error("file", _("Le fichier dépasse 50 Mo."))
        return data
