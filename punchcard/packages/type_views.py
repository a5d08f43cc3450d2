"""Package type pages (owner only): the templates a new package can start from."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from punchcard.core.forms import add_service_errors
from punchcard.packages import services
from punchcard.packages.forms import PackageTypeForm, type_form_initial
from punchcard.packages.models import PackageType
from punchcard.studios.access import owner_required, require_owner, studio_required


def _get_type(request: HttpRequest, pk: int) -> PackageType:
    return get_object_or_404(PackageType.objects.for_studio(request.studio).live(), pk=pk)


@owner_required
def type_list(request: HttpRequest) -> HttpResponse:
    types = (
        PackageType.objects.for_studio(request.studio)
        .live()
        .order_by("total_sessions", "name", "id")
    )
    return render(request, "packages/type_list.html", {"types": types})


def _type_form_page(request: HttpRequest, *, package_type: PackageType | None) -> HttpResponse:
    initial = type_form_initial(package_type) if package_type else None
    form = PackageTypeForm(request.POST or None, initial=initial, studio=request.studio)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.package_type_save(
                studio=request.studio, package_type=package_type, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Package type “{saved.name}” saved.")
            return redirect("packages:type-list")
    return render(request, "packages/type_form.html", {"form": form, "package_type": package_type})


@owner_required
def type_new(request: HttpRequest) -> HttpResponse:
    return _type_form_page(request, package_type=None)


# Look the type up before the role check, like every other page: another studio's type is a
# 404 for everyone, and only then does a trainer of this studio get the 403.
@studio_required
def type_edit(request: HttpRequest, pk: int) -> HttpResponse:
    package_type = _get_type(request, pk)
    require_owner(request)
    return _type_form_page(request, package_type=package_type)


@studio_required
@require_POST
def type_delete(request: HttpRequest, pk: int) -> HttpResponse:
    package_type = _get_type(request, pk)
    require_owner(request)
    services.package_type_delete(package_type=package_type)
    messages.success(
        request,
        f"Package type “{package_type.name}” removed. Packages already sold keep their details.",
    )
    return redirect("packages:type-list")
