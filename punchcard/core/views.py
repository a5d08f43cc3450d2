from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from punchcard.studios.access import studio_required
from punchcard.training import selectors


@studio_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "core/dashboard.html", selectors.dashboard(studio=request.studio))
