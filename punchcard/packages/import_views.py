"""The import page: check a CSV of clients and packages (a dry run), then import it in one go.

Works without JavaScript: "Check file" posts the file or the pasted text and shows the preview;
"Import N rows" posts the checked text back with the dry run off. The import runs every check
again, so text changed in between can never slip through.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_GET

from punchcard.core.csv_export import csv_response
from punchcard.packages import imports
from punchcard.studios.access import studio_required

# Rows shown in the preview table: every row with a problem, and this many more.
PREVIEW_ROWS = 200


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        required=False,
        help_text="UTF-8 CSV with a header row, up to 2 MB and 5,000 rows.",
        widget=forms.FileInput(attrs={"accept": ".csv,.tsv,.txt,text/csv,text/plain"}),
    )
    csv_text = forms.CharField(
        label="Or paste the rows here",
        required=False,
        strip=False,
        help_text="Copied straight from a spreadsheet (header row included) works too.",
        widget=forms.Textarea(
            # Unwrapped, one row per line, as in the spreadsheet it came from.
            attrs={"rows": 8, "spellcheck": "false", "autocomplete": "off", "wrap": "off"}
        ),
    )


def _source(request: HttpRequest, form: ImportForm) -> bytes | str | None:
    """The uploaded file's bytes (it wins over the text box), else the pasted text."""
    upload = form.cleaned_data.get("file")
    if upload:
        # One byte past the limit is enough to say it is too large, without reading it all.
        return upload.read(imports.MAX_BYTES + 1)
    text = form.cleaned_data.get("csv_text") or ""
    return text if text.strip() else None


def _preview_rows(result: imports.ImportResult) -> list:
    return [row for i, row in enumerate(result.rows) if row.errors or i < PREVIEW_ROWS]


def _imported_message(result: imports.ImportResult) -> str:
    rows = len(result.rows)
    parts = [
        f"{result.clients_created} new client{pluralize(result.clients_created)}",
        f"{result.clients_matched} existing client{pluralize(result.clients_matched)}",
        f"{result.packages_created} package{pluralize(result.packages_created)}",
    ]
    return f"Imported {rows} row{pluralize(rows)}: {', '.join(parts)}."


@studio_required
def package_import(request: HttpRequest) -> HttpResponse:
    result, form = None, ImportForm()
    if request.method == "POST":
        try:
            form = ImportForm(request.POST, request.FILES)
            checked = form.is_valid()
        except RequestDataTooBig:
            form, checked = ImportForm(), False
            form.add_error("csv_text", "That is too much text to paste: upload it as a file.")
        data = _source(request, form) if checked else None
        if checked and data is None:
            form.add_error("csv_text", "Choose a CSV file or paste its rows.")
        elif data is not None:
            importing = "import" in request.POST
            result = imports.run_import(
                studio=request.studio, actor=request.user, data=data, dry_run=not importing
            )
            if importing and result.valid:
                messages.success(request, _imported_message(result))
                return redirect("packages:list")
            # The box shows the checked text (an uploaded file's too), ready to be fixed.
            form = ImportForm(initial={"csv_text": result.text})
    context = {
        "form": form,
        "result": result,
        "preview_rows": _preview_rows(result) if result else [],
        "columns": imports.COLUMNS,
        "max_rows": imports.MAX_ROWS,
    }
    if result is not None:
        context["hidden_rows"] = len(result.rows) - len(context["preview_rows"])
        context["error_lines"] = {row.line for row in context["preview_rows"]}
    return render(request, "packages/import.html", context)


@studio_required
@require_GET
def package_import_sample(request: HttpRequest) -> HttpResponse:
    """A sample file to start from: one package part-used, one fresh, one client without one."""
    today = request.studio.today()
    start, later = today - timedelta(days=30), today + timedelta(days=150)
    rows = [
        ["Ana Lopez", "ana@example.com", "555 0100", "Standard", 12, 4, "1,200.00", start, later],
        ["Ben Okafor", "", "", "Starter", 5, 0, "500.00", today, ""],
        ["Chloe Martin", "chloe@example.com", "", "", "", "", "", "", ""],
    ]
    return csv_response("punchcard-import-sample.csv", list(imports.COLUMNS), rows)
