"""The API's OpenAPI 3.1 document, written by hand next to the views it describes."""

from typing import Any

from django.utils.translation import gettext_lazy as _

PAGE_PARAMS = [
    {
        "name": "page",
        "in": "query",
        "description": "numéro de page, à partir de 1 (1 par défaut)",
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000000},
    },
    {
        "name": "page_size",
        "in": "query",
        "description": "résultats par page, de 1 à 100 (50 par défaut)",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
    },
]
ERROR = {"$ref": "#/components/schemas/Error"}


def _page(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["count", "page", "page_size", "results"],
        "properties": {
            "count": {"type": "integer"},
            "page": {"type": "integer"},
            "page_size": {"type": "integer"},
            "results": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
        },
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    labels = {
        400: "Paramètre invalide",
        401: "Jeton manquant ou invalide",
        403: "Réservé à l'équipe du programme",
        404: "Introuvable",
        409: "Changement refusé par les règles",
        429: "Trop de requêtes",
    }
    return {str(c): _json(ERROR, labels[c]) for c in codes}


def _get(summary: str, schema: dict[str, Any], params: list[Any], *codes: int) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": params,
            "responses": {"200": _json(schema, "Succès"), **_errors(*codes)},
        }
    }


def _text_param(name: str, description: str) -> dict[str, Any]:
    # Given, a filter is never empty and never carries NUL (both answered 400).
    schema = {"type": "string", "minLength": 1, "pattern": "^[^\\u0000]*$"}
    return {"name": name, "in": "query", "description": description, "schema": schema}


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["detail"],
        "properties": {"detail": {"type": "string"}},
    },
    "Call": {
        "type": "object",
        "required": ["slug", "title", "funder", "opens_at", "closes_at", "envelope_eur"],
        "properties": {
            "slug": {"type": "string"},
            "version": {"type": "string"},
            "title": {"type": "string"},
            "funder": {"type": "string"},
            "funder_siret": {"type": "string"},
            "opens_at": {"type": "string", "format": "date-time"},
            "closes_at": {"type": "string", "format": "date-time"},
            "envelope_eur": {"type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$"},
            "target_awards": {"type": "integer"},
            "programme": {"type": "string"},
            "rules": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Award": {
        "type": "object",
        "required": ["reference", "call", "beneficiary", "amount_eur"],
        "properties": {
            "reference": {"type": "string"},
            "call": {"type": "string"},
            "beneficiary": {"type": "string"},
            "beneficiary_siret": {"type": "string"},
            "commune_insee": {"type": ["string", "null"]},
            "object": {"type": "string"},
            "amount_eur": {"type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$"},
            "agreement_date": {"type": ["string", "null"], "format": "date"},
        },
    },
    "Place": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "kind": {"type": "string"},
            "commune_insee": {"type": ["string", "null"]},
            "latitude": {"type": ["number", "null"]},
            "longitude": {"type": ["number", "null"]},
            "website": {"type": "string"},
        },
    },
    "Coverage": {
        "type": "object",
        "required": ["radius_km", "available"],
        "properties": {
            "radius_km": {"type": "integer"},
            "available": {"type": "boolean"},
            "funded_places": {"type": "integer"},
            "population": {"type": "integer"},
            "covered_population": {"type": "integer"},
            "by_region": {"type": "object"},
        },
    },
    "Application": {
        "type": "object",
        "required": ["id", "call", "title", "status"],
        "properties": {
            "id": {"type": "integer"},
            "call": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "string"},
            "organisation": {"type": "string"},
            "requested_amount_eur": {"type": "string"},
            "eligible": {"type": ["boolean", "null"]},
        },
    },
}


def _staff_paths() -> dict[str, Any]:
    pk = {
        "name": "id",
        "in": "path",
        "required": True,
        "description": "numéro de la candidature",
        "schema": {"type": "integer"},
    }
    secured: list[dict[str, list[str]]] = [{"bearer": []}]
    listing = _get(
        "Candidatures (équipe du programme)",
        _page("Application"),
        [
            *PAGE_PARAMS,
            _text_param("status", "statut (submitted, complete…)"),
            _text_param("call", "identifiant de l'appel"),
        ],
        400,
        401,
        403,
        429,
    )
    listing["get"]["security"] = secured
    body = {
        "status": {
            "type": "object",
            "required": ["status"],
            "properties": {
                "status": {"type": "string", "enum": ["corrections", "selected"]},
                "message": {"type": "string"},
                "amount_eur": {"type": "string"},
            },
        },
        "note": {
            "type": "object",
            "required": ["note"],
            "properties": {"note": {"type": "string"}},
        },
    }
    return {
        "/api/v1/staff/applications": listing,
        "/api/v1/staff/applications/{id}/status": {
            "post": {
                "summary": "Changer le statut d'une candidature (par les services existants)",
                "security": secured,
                "parameters": [pk],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": body["status"]}},
                },
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Application"}, "Statut changé"),
                    **_errors(400, 401, 403, 404, 409, 429),
                },
            }
        },
        "/api/v1/staff/applications/{id}/notes": {
            "post": {
                "summary": "Ajouter une note au journal d'audit de la candidature",
                "security": secured,
                "parameters": [pk],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": body["note"]}},
                },
                "responses": {
                    "201": _json({"type": "object"}, "Note ajoutée"),
                    **_errors(400, 401, 403, 404, 429),
                },
            }
        },
    }


def document(places: bool) -> dict[str, Any]:
    """The whole document; the places path only when the directory app provides places."""
    paths: dict[str, Any] = {
        "/api/v1/calls": _get("Appels publiés", _page("Call"), PAGE_PARAMS, 400, 429),
        "/api/v1/calls/{slug}": _get(
            "Un appel et ses règles",
            {"$ref": "#/components/schemas/Call"},
            [
                {
                    "name": "slug",
                    "in": "path",
                    "required": True,
                    "description": "identifiant de l'appel, par exemple fablabs-2013",
                    "schema": {"type": "string"},
                }
            ],
            404,
            429,
        ),
        "/api/v1/awards": _get(
            "Subventions attribuées (conventions signées)",
            _page("Award"),
            [
                *PAGE_PARAMS,
                _text_param("call", "identifiant de l'appel"),
                _text_param("region", "code INSEE de la région"),
                {
                    "name": "year",
                    "in": "query",
                    "description": "année de la convention",
                    "schema": {"type": "integer", "minimum": 1900, "maximum": 2200},
                },
            ],
            400,
            429,
        ),
        "/api/v1/coverage": _get(
            "Population à moins de radius_km d'un fablab financé",
            {"$ref": "#/components/schemas/Coverage"},
            [
                {
                    "name": "radius_km",
                    "in": "query",
                    "description": "distance en kilomètres (20 par défaut)",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                }
            ],
            400,
            429,
        ),
        **_staff_paths(),
    }
    if places:
        paths["/api/v1/places"] = _get(
            "Annuaire des fablabs", _page("Place"), PAGE_PARAMS, 400, 429
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "API Pollen",
            "version": "1.0.0",
            "description": "Appels, subventions attribuées, lieux et couverture ; API de l'équipe par jeton.",
            "license": {"name": "Licence Ouverte 2.0", "identifier": "etalab-2.0"},
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


# Example values for the guide's curl lines (the API page), by parameter name.
_EXAMPLES = {"slug": "fablabs-2013", "id": "12", "call": "fablabs-2013", "status": "submitted"}
_BODIES = {
    "/api/v1/staff/applications/{id}/status": '{"status": "corrections", "message": "…"}',
    "/api/v1/staff/applications/{id}/notes": '{"note": "…"}',
}


_TYPES = {
    "string": _("texte"),
    "integer": _("nombre entier"),
    "number": _("nombre"),
    "boolean": _("oui ou non"),
}
_PLACES = {"path": _("chemin"), "query": _("paramètre d'adresse"), "header": _("en-tête")}


def _kind(schema: dict[str, Any]) -> str:
    """A parameter's type and bounds in words: « nombre entier 1–100 »."""
    kind = str(schema.get("type", ""))
    text = str(_TYPES.get(kind, kind))
    if "minimum" in schema and "maximum" in schema:
        text += f" {schema['minimum']}–{schema['maximum']}"
    return text


def endpoints(doc: dict[str, Any], base_url: str) -> list[dict[str, Any]]:
    """Each operation of the document with its parameters, answers and a curl line, for the
    API page (the same sections as docs/api.md)."""
    rows = []
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            url = base_url.rstrip("/") + path
            for name, value in _EXAMPLES.items():
                url = url.replace("{" + name + "}", value)
            curl = ["curl"]
            if method != "get":
                curl += ["-X", method.upper(), "-H", '"Content-Type: application/json"']
                curl += ["-d", f"'{_BODIES.get(path, '{}')}'"]
            if op.get("security"):
                curl += ["-H", '"Authorization: Bearer pol_…"']
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "staff": bool(op.get("security")),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": str(_PLACES.get(p["in"], p["in"])),
                            "type_words": _kind(p.get("schema", {})),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "responses": [
                        {"http": f"HTTP {code}", "description": answer["description"]}
                        for code, answer in op["responses"].items()
                    ],
                    "curl": " ".join([*curl, f'"{url}"']),
                }
            )
    return rows
