"""Commune autocomplete, for every form that asks for a commune."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from pollen.territory.selectors import communes_matching


def commune_search(request: HttpRequest) -> HttpResponse:
    """HTML options for HTMX, or JSON with ?format=json."""
    # HTMX sends the typed field under its own name (commune=…, near=…) and says which in
    # HX-Trigger-Name (no code evaluated in the page, which the CSP refuses); links send q=…
    field = request.headers.get("HX-Trigger-Name") or "commune"
    query = (request.GET.get("q") or request.GET.get(field) or "")[:60]
    communes = list(communes_matching(query))
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "results": [
                    {
                        "code": c.code,
                        "name": c.name,
                        "departement": c.departement_id,
                        "postal_codes": c.postal_codes,
                    }
                    for c in communes
                ]
            }
        )
    return render(
        request, "territory/_commune_options.html", {"communes": communes, "query": query}
    )
