"""CSV import in a real Chromium: upload a file with a bad line, read the problem by line and
column, fix it in the text box, check again, import, and find the package part-used."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import ARTIFACTS, sign_in
from punchcard.clients.tests.factories import ClientFactory
from punchcard.packages.models import Package

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
CSV_WITH_A_BAD_LINE = """client_name,client_email,client_phone,package_name,total_sessions,sessions_used,total_value,start_date,expiry_date
Ana Lopez,ana@example.com,555 0100,Standard,12,4,"1,200.00",2026-01-05,2026-07-05
Ben Okafor,ben@example.com,,Starter,five,0,500.00,2026-02-01,
Chloe Martin,chloe@example.com,,,,,,,
Dev Patel,,555 0199,Premium,24,10,2160.00,2026-01-10,2026-12-31
"""


def test_check_a_file_fix_the_bad_line_and_import_it(
    page: Page, trainer, screenshot, assert_accessible
):
    # Ben is already a client: the import finds him by email instead of adding him twice.
    ClientFactory(studio=trainer.studio, name="Ben Okafor", email="ben@example.com")
    sign_in(page, trainer.user.email)

    page.goto("/packages/")
    page.get_by_role("link", name="Import CSV").click()
    expect(page.get_by_role("heading", name="Import from a spreadsheet")).to_be_visible()
    assert_accessible(page, "import page")

    page.get_by_label("CSV file").set_input_files(
        files=[
            {
                "name": "clients.csv",
                "mimeType": "text/csv",
                "buffer": CSV_WITH_A_BAD_LINE.encode("utf-8-sig"),
            }
        ]
    )
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("heading", name="1 problem to fix")).to_be_visible()
    problems = page.locator("#import-problems")
    expect(problems).to_contain_text(
        "Line 3 · total_sessions: Enter a whole number of sessions from 1 to 10,000."
    )
    expect(page.get_by_role("alert")).to_contain_text("Nothing was imported")
    expect(page.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)
    # The README's picture of the feature.
    page.set_viewport_size({"width": 1200, "height": 820})
    page.screenshot(path=str(ARTIFACTS / "import-readme.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    # The error links to its row in the preview.
    problems.get_by_role("link", name="Line 3").click()
    expect(page).to_have_url(re.compile("#line-3$"))
    expect(page.locator("#line-3")).to_contain_text("Problem")
    assert_accessible(page, "import check with a problem")
    assert not Package.objects.exists()

    # The uploaded file's text is in the box: fix the line there and check again.
    box = page.get_by_label("Or paste the rows here")
    expect(box).to_have_value(re.compile("Ben Okafor,ben@example.com,,Starter,five"))
    box.fill(box.input_value().replace("Starter,five", "Starter,5"))
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("heading", name="Ready to import 4 rows")).to_be_visible()
    expect(page.locator(".stat").filter(has_text="new client")).to_contain_text("3")
    expect(page.locator(".stat").filter(has_text="existing client")).to_contain_text("1")
    expect(page.locator(".stat").filter(has_text="package")).to_contain_text("3")
    expect(page.locator("#line-2")).to_contain_text("4 of 12 used · 8 left")
    expect(page.locator("#line-3")).to_contain_text("Existing client")
    assert_accessible(page, "import check, ready")
    screenshot(page, "import-ready")

    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page, "import check at phone width")
    screenshot(page, "import-ready-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Import 4 rows").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Imported 4 rows: 3 new clients, 1 existing client, 3 packages."
    )
    row = page.locator("#package-results tbody tr").filter(has_text="Ana Lopez")
    expect(row).to_contain_text("4 of 12 used")
    row.get_by_role("link", name="Standard").click()
    expect(page.locator(".progress-text")).to_contain_text("4 of 12 used · 8 left")
    expect(page.locator(".timeline")).to_contain_text("Used before import (line 2)")
    assert Package.objects.filter(client__name="Ben Okafor").get().client.email == "ben@example.com"
