"""The package page's forms that re-show the page with their errors: transfer, adjust, freeze
(and ending a freeze, beside them). The page is overview's, so they are too."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from punchcard.core.forms import add_service_errors
from punchcard.overview.views import render_package_page
from punchcard.packages import services
from punchcard.packages.forms import AdjustmentForm, FreezeForm, TransferForm
from punchcard.packages.models import Freeze
from punchcard.packages.views import get_package_for_studio
from punchcard.studios.access import studio_required


@studio_required
@require_POST
def package_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    package = get_package_for_studio(request, pk)
    if "find_client" in request.POST:
        # The no-JS client search: show the matches, keep what was typed, save nothing.
        form = TransferForm(
            initial={"reason": request.POST.get("reason", "")}, studio=request.studio
        )
        return render_package_page(request, package, transfer_form=form, picker_source=request.POST)
    form = TransferForm(request.POST, studio=request.studio)
    if form.is_valid():
        try:
            package = services.package_transfer(
                package=package,
                actor=request.user,
                to_client=form.cleaned_data["client_id"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{package.name} now belongs to {package.client.name}.")
            return redirect("packages:detail", pk=package.pk)
    return render_package_page(request, package, transfer_form=form, picker_source=request.POST)


@studio_required
@require_POST
def package_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    package = get_package_for_studio(request, pk)
    form = AdjustmentForm(request.POST)
    if form.is_valid():
        try:
            services.package_adjust(
                package=package,
                actor=request.user,
                sessions=form.signed_sessions(),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            words = services.adjustment_words(form.signed_sessions())
            messages.success(request, f"{words.capitalize()} on {package.name}.")
            return redirect("packages:detail", pk=package.pk)
    return render_package_page(request, package, adjust_form=form)


@studio_required
@require_POST
def package_freeze(request: HttpRequest, pk: int) -> HttpResponse:
    package = get_package_for_studio(request, pk)
    form = FreezeForm(request.POST)
    if form.is_valid():
        try:
            freeze = services.package_freeze(
                package=package, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            moved = (
                f" The expiry moved out by {freeze.expiry_shift_days} days."
                if freeze.expiry_shift_days
                else ""
            )
            messages.success(request, f"{package.name} is frozen for {freeze.days} days.{moved}")
            return redirect("packages:detail", pk=package.pk)
    return render_package_page(request, package, freeze_form=form)


@studio_required
@require_POST
def freeze_end(request: HttpRequest, pk: int, freeze_pk: int) -> HttpResponse:
    package = get_package_for_studio(request, pk)
    freeze = get_object_or_404(Freeze.objects.filter(package=package), pk=freeze_pk)
    try:
        freeze = services.freeze_end(
            freeze=freeze, actor=request.user, today=request.studio.today()
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, "Freeze cancelled." if freeze.cancelled else "Freeze ended: welcome back."
        )
    return redirect("packages:detail", pk=package.pk)
