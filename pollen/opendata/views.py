"""The public open-data page and its stable download URLs."""

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from pollen.opendata import scdl, selectors


def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "opendata/index.html",
        {"datasets": selectors.datasets(), "api_url": selectors.api_url()},
    )


def scdl_csv(request: HttpRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(scdl.csv_chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="subventions-scdl.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    return response
