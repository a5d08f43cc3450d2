"""Package page actions that change the balance or the dates: adjustments and freezes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from punchcard.core.forms import add_service_errors
from punchcard.packages import services
from punchcard.packages.forms import AdjustmentForm, FreezeForm
from punchcard.packages.models import Freeze
from punchcard.packages.views import get_package_for_studio, render_detail
from punchcard.studios.access import studio_required


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
    return render_detail(request, package, adjust_form=form)


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
    return render_detail(request, package, freeze_form=form)


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
