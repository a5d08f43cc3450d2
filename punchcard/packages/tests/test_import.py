"""CSV import of clients and their packages: the domain (imports.py), POST /api/imports and the page."""

import json
import sqlite3
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from punchcard.clients.models import Client
from punchcard.clients.services import client_create, client_delete
from punchcard.clients.tests.factories import ClientFactory
from punchcard.core import money
from punchcard.packages import imports, tallies
from punchcard.packages.models import Adjustment, Package
from punchcard.training import counts

pytestmark = pytest.mark.django_db
JSON = "application/json"
HEADER = ",".join(imports.COLUMNS)

GOOD = f"""{HEADER}
Ana Lopez,ana@example.com,555 0100,Standard,12,4,"1,200.00",2026-01-05,2026-07-05
Ben Okafor,,,Starter,5,,500.00,,
Chloe Martin,chloe@example.com,,,,,,,
"""


def run(persona, text, *, dry_run=False):
    return imports.run_import(studio=persona.studio, actor=persona.user, data=text, dry_run=dry_run)


def where(result) -> set[tuple]:
    return {(problem.line, problem.field) for problem in result.errors}


def table_counts() -> dict:
    return {
        "clients": Client.objects.count(),
        "packages": Package.objects.count(),
        "history": Package.history.model.objects.count(),
        "adjustments": Adjustment.objects.count(),
    }


# Domain: a good file ------------------------------------------------------------------------------


def test_valid_file_imports_clients_packages_and_used_sessions(owner):
    result = run(owner, GOOD)
    assert result.valid and not result.errors
    assert (result.clients_created, result.clients_matched, result.packages_created) == (3, 0, 2)
    ana = Package.objects.get(client__name="Ana Lopez")
    assert (ana.name, ana.total_value_cents, ana.total_sessions) == ("Standard", 120_000, 12)
    assert (ana.start_date, ana.expiry_date) == (date(2026, 1, 5), date(2026, 7, 5))
    assert (ana.sessions_used, ana.remaining) == (4, 8)
    assert ana.client.email == "ana@example.com" and ana.client.phone == "555 0100"
    assert ana.studio == owner.studio and ana.client.studio == owner.studio
    adjustment = ana.adjustments.get()
    assert (adjustment.sessions, adjustment.reason) == (-4, "Used before import (line 2)")
    assert adjustment.actor == owner.user
    history = list(ana.history.order_by("history_id"))
    assert [h.history_action for h in history] == ["created", "adjusted"]
    assert {h.history_user for h in history} == {owner.user}
    ben = Package.objects.get(client__name="Ben Okafor")
    assert (ben.name, ben.sessions_used, ben.expiry_date) == ("Starter", 0, None)
    assert not ben.adjustments.exists()
    chloe = Client.objects.get(name="Chloe Martin")
    assert not chloe.packages.exists()
    # The counter agrees with its rows: sessions_used = counted sessions - adjustments.
    assert not counts.drifted().exists()
    ids = {row.line: (row.client_id, row.package_id) for row in result.rows}
    assert ids[2] == (ana.client_id, ana.pk) and ids[4] == (chloe.pk, None)


def test_a_package_without_a_name_gets_the_usual_default_and_overage_is_allowed(owner):
    result = run(owner, f"{HEADER}\nAna,,,,12,13,1200,,\n")
    assert result.valid
    package = Package.objects.get()
    # 13 used of 12 is the overage a used-up package shows after one more session.
    assert (package.name, package.sessions_used, package.remaining) == ("12 sessions", 13, -1)
    assert result.rows[0].sessions_over == 1


def test_sessions_used_of_zero_alone_imports_just_the_client(owner):
    result = run(owner, "client_name,sessions_used\nAna,0\nBen,\n")
    assert result.valid and result.clients_created == 2 and result.packages_created == 0
    assert not Package.objects.exists()


# Domain: every problem named by line and column ---------------------------------------------------


BAD = f"""{HEADER}
,ana@example.com,,Standard,12,0,1200.00,,
Ben,,,Standard,twelve,0,1200.00,,
Cleo,,,Standard,0,0,1200.00,,
Dan,,,Standard,10001,0,1200.00,,
Eve,,,Standard,12,-1,1200.00,,
Fay,,,Standard,12,many,1200.00,,
Gus,,,Standard,12,0,12.345,,
Hal,,,Standard,12,0,-5,,
Ivy,,,Standard,12,0,"$1,200",,
Jon,,,Standard,12,0,1200.00,05/01/2026,
Kim,,,Standard,12,0,1200.00,,2026-02-30
Lou,,,Standard,12,0,1200.00,2026-03-01,2026-02-01
Max,not-an-email,,Standard,12,0,1200.00,,
Ned,,,{"N" * 121},12,0,1200.00,,
Ola,,,Standard,,0,,,
Pia,,,Standard,12,0,1200.00,,,surprise
Quinn,,{"9" * 41},,,,,,
"""


def test_every_kind_of_bad_row_is_named_with_its_line_and_column(owner):
    before = table_counts()
    result = run(owner, BAD)
    assert not result.valid
    assert where(result) == {
        (2, "client_name"),
        (3, "total_sessions"),
        (4, "total_sessions"),
        (5, "total_sessions"),
        (6, "sessions_used"),
        (7, "sessions_used"),
        (8, "total_value"),
        (9, "total_value"),
        (10, "total_value"),
        (11, "start_date"),
        (12, "expiry_date"),
        (13, "expiry_date"),  # the service's rule: not before the start
        (14, "client_email"),  # the client's own validation
        (15, "package_name"),  # the service's rule: at most 120 characters
        (16, "total_sessions"),
        (16, "total_value"),
        (17, None),  # a value under no column
        (18, "client_phone"),
    }
    messages = {(p.line, p.field): p.message for p in result.errors}
    assert messages[3, "total_sessions"] == "Enter a whole number of sessions from 1 to 10,000."
    assert messages[13, "expiry_date"] == "The expiry date cannot be before the start date."
    assert messages[11, "start_date"] == "Enter a date as YYYY-MM-DD, e.g. 2026-03-31."
    assert str(result.errors[0]) == "Line 2 · client_name: Give the client’s name."
    assert table_counts() == before


def test_a_row_with_several_bad_cells_names_each_of_them(owner):
    result = run(owner, f"{HEADER}\nAna,,,Standard,x,y,z,2026-13-01,tomorrow\n")
    assert where(result) == {
        (2, "total_sessions"),
        (2, "sessions_used"),
        (2, "total_value"),
        (2, "start_date"),
        (2, "expiry_date"),
    }
    assert result.bad_rows == 1


def test_nothing_is_written_when_one_row_of_many_is_bad(owner):
    ClientFactory(studio=owner.studio, name="Already here", email="here@example.com")
    rows = [f"Client {i},c{i}@example.com,,Ten,10,3,900.00,2026-01-01," for i in range(60)]
    rows.insert(41, "Broken,,,Ten,10,3,nine hundred,,")
    rows.append("Already here,HERE@example.com,,Ten,10,0,900.00,,")
    before = table_counts()
    result = run(owner, "\n".join([HEADER, *rows]))
    assert where(result) == {(43, "total_value")}
    assert table_counts() == before
    # Every other row was checked and would import.
    assert (result.clients_created, result.clients_matched, result.packages_created) == (60, 1, 61)
    assert all(row.package_id is None for row in result.rows)


def test_a_dry_run_writes_nothing_and_predicts_the_import_exactly(owner):
    before = table_counts()
    dry = run(owner, GOOD, dry_run=True)
    assert dry.valid and dry.dry_run
    assert table_counts() == before
    assert all(row.package_id is None and row.client_id is None for row in dry.rows)
    real = run(owner, GOOD)
    assert (dry.clients_created, dry.clients_matched, dry.packages_created) == (
        real.clients_created,
        real.clients_matched,
        real.packages_created,
    )
    assert Package.objects.count() == before["packages"] + 2


def test_a_dry_run_of_a_bad_file_finds_the_same_problems_as_the_import(owner):
    assert where(run(owner, BAD, dry_run=True)) == where(run(owner, BAD))


# Domain: clients ----------------------------------------------------------------------------------


def test_existing_clients_are_matched_by_email_then_by_a_unique_name(owner):
    ana = ClientFactory(studio=owner.studio, name="Ana Lopez", email="Ana@Example.com")
    ben = ClientFactory(studio=owner.studio, name="Ben Okafor", email="")
    text = f"""{HEADER}
Ana L.,ANA@example.COM,,Ten,10,0,900,,
ben okafor,,,Ten,10,0,900,,
"""
    result = run(owner, text)
    assert result.valid
    assert (result.clients_created, result.clients_matched) == (0, 2)
    assert [row.client_status for row in result.rows] == ["existing", "existing"]
    assert {p.client_id for p in Package.objects.all()} == {ana.pk, ben.pk}
    # Matching never edits a client you already have.
    ana.refresh_from_db()
    assert ana.name == "Ana Lopez"


def test_an_email_given_but_not_found_makes_a_new_client_even_if_the_name_exists(owner):
    ClientFactory(studio=owner.studio, name="Ana Lopez", email="ana@example.com")
    result = run(owner, "client_name,client_email\nAna Lopez,ana.lopez@work.example\n")
    assert result.clients_created == 1
    assert Client.objects.filter(name="Ana Lopez").count() == 2


def test_a_name_that_two_clients_share_is_not_guessed(owner):
    ClientFactory.create_batch(2, studio=owner.studio, name="Sam Lee", email="")
    result = run(owner, "client_name\nSam Lee\n")
    assert (result.clients_created, result.clients_matched) == (1, 0)
    assert Client.objects.filter(name="Sam Lee").count() == 3


def test_a_removed_client_is_not_matched(owner):
    gone = client_create(studio=owner.studio, name="Gone", email="gone@example.com")
    client_delete(client=gone)
    result = run(owner, "client_name,client_email\nGone,gone@example.com\n")
    assert result.clients_created == 1 and result.clients_matched == 0


def test_another_studios_client_with_the_same_email_is_not_matched(owner, outsider):
    theirs = client_create(studio=outsider.studio, name="Ana Lopez", email="ana@example.com")
    result = run(owner, GOOD)
    assert result.clients_matched == 0 and result.clients_created == 3
    assert not Package.objects.filter(client=theirs).exists()
    mine = Client.objects.get(studio=owner.studio, email="ana@example.com")
    assert mine.pk != theirs.pk
    # And the preview of a dry run never names the other studio's client.
    dry = run(owner, "client_name,client_email\nAna Lopez,ana@example.com\n", dry_run=True)
    assert dry.rows[0].client_id in (None, mine.pk)


def test_rows_with_the_same_email_or_the_same_name_without_email_are_one_client(owner):
    text = f"""{HEADER}
Ana Lopez,ana@example.com,,Ten,10,0,900,,
Ben Okafor,,,Ten,10,0,900,,
Ana (again),ANA@EXAMPLE.COM,,Five,5,1,450,,
BEN OKAFOR,,,Five,5,0,450,,
"""
    result = run(owner, text)
    assert result.valid
    assert (result.clients_created, result.packages_created) == (2, 4)
    assert [(r.client_status, r.same_as_line) for r in result.rows] == [
        ("new", None),
        ("new", None),
        ("repeat", 2),
        ("repeat", 3),
    ]
    assert Client.objects.count() == 2
    assert Client.objects.get(email="ana@example.com").packages.count() == 2


def test_a_refused_row_does_not_leave_its_new_client_behind(owner):
    # Line 2 creates Ana, then its package is refused: the savepoint takes the client away too,
    # so line 3 creates her again rather than pointing at a client that is not there.
    text = f"""{HEADER}
Ana,ana@example.com,,Ten,10,0,900,2026-02-01,2026-01-01
Ana,ana@example.com,,Ten,10,0,900,,
"""
    result = run(owner, text, dry_run=True)
    assert where(result) == {(2, "expiry_date")}
    assert result.rows[1].client_status == "new" and result.clients_created == 1


# Domain: file format and limits -------------------------------------------------------------------


def test_bom_semicolons_crlf_and_relaxed_header_names_are_understood(owner):
    text = (
        "\ufeffClient Name;CLIENT_EMAIL;Total Sessions;sessions_used;total_value\r\n"
        "Ana Lopez;ana@example.com;12;4;1200.00\r\n"
    )
    result = run(owner, text.encode("utf-8"))
    assert result.valid, result.errors
    assert Package.objects.get().sessions_used == 4


def test_rows_pasted_from_a_spreadsheet_are_tab_separated(owner):
    text = "client_name\ttotal_sessions\ttotal_value\nAna Lopez\t12\t1,200.00\n"
    assert run(owner, text).valid
    assert Package.objects.get().total_value_cents == 120_000


def test_quoted_cells_may_hold_commas_and_line_breaks_and_lines_still_count(owner):
    text = f'{HEADER}\n"Lopez, Ana",,,"Ten\nsessions",10,0,900,,\nBen,,,Ten,x,0,900,,\n'
    result = run(owner, text)
    # The quoted line break puts Ben's row on line 4.
    assert where(result) == {(4, "total_sessions")}


def test_blank_lines_are_skipped_but_counted(owner):
    result = run(owner, f"{HEADER}\n\nAna,,,Ten,10,0,900,,\n,,,,,,,,\nBen,,,Ten,0,0,900,,\n\n")
    assert where(result) == {(5, "total_sessions")}
    assert len(result.rows) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("client_name,colour\nAna,red\n", {(1, "colour")}),
        ("client_name,total_sessions,Total Sessions\nAna,1,1\n", {(1, "total_sessions")}),
        ("client_email\nana@example.com\n", {(1, "client_name")}),
        ("", {(1, None)}),
        ("client_name\n", {(None, None)}),
        ('client_name\n"Ana\n', {(2, None)}),
        ("client_name\nAna\x00\n", {(2, None)}),
    ],
    ids=["unknown", "twice", "no-client-name", "empty", "header-only", "open-quote", "nul"],
)
def test_problems_of_the_whole_file_are_named(owner, text, expected):
    result = run(owner, text)
    assert where(result) == expected and not result.rows


def test_an_unknown_column_names_the_ones_it_knows(owner):
    (problem,) = run(owner, "client_name,total_sesions\nAna,1\n").errors
    assert "total_sesions" in problem.message and "total_sessions" in problem.message


def test_a_file_that_is_not_utf8_names_the_line(owner):
    data = "client_name\nAna\nJosé\n".encode("latin-1")
    (problem,) = run(owner, data).errors
    assert problem.line == 3 and "UTF-8" in problem.message


def test_more_than_the_row_limit_is_refused_before_anything_is_checked(
    owner, django_assert_max_num_queries
):
    text = "client_name\n" + "\n".join(f"C{i}" for i in range(imports.MAX_ROWS + 1))
    with django_assert_max_num_queries(0):
        result = run(owner, text)
    (problem,) = result.errors
    assert problem.line is None and "5,000 rows" in problem.message


def test_the_row_limit_itself_is_fine(owner):
    text = "client_name\n" + "\n".join(f"C{i}" for i in range(imports.MAX_ROWS))
    result = run(owner, text, dry_run=True)
    assert result.valid and result.clients_created == imports.MAX_ROWS


def test_more_than_2_mb_is_refused(owner):
    text = "client_name\n" + "A" * imports.MAX_BYTES
    (problem,) = run(owner, text).errors
    assert "2 MB" in problem.message and problem.line is None
    (problem,) = run(owner, text.encode()).errors
    assert "2 MB" in problem.message


def test_a_dry_run_is_one_select_however_many_rows(owner, django_assert_num_queries):
    rows = [f"C{i},c{i}@example.com,,Ten,10,3,900,," for i in range(200)]
    with django_assert_num_queries(1):
        assert run(owner, "\n".join([HEADER, *rows]), dry_run=True).valid


@pytest.mark.parametrize("size", [20, 400])
def test_an_import_runs_as_many_statements_for_400_rows_as_for_20(
    owner, size, django_assert_max_num_queries
):
    # The savepoint's two, the clients' SELECT, then per table one INSERT per batch (SQLite
    # takes ~60 packages a batch), the counters' UPDATE and the tally's.
    rows = [f"C{i},c{i}@example.com,,Ten,10,3,900,," for i in range(size)]
    with django_assert_max_num_queries(10 if size == 20 else 40):
        assert run(owner, "\n".join([HEADER, *rows])).valid


def test_an_import_keeps_counters_history_and_the_studio_tally_exact(owner):
    tallies.recount([owner.studio.pk])
    ClientFactory(studio=owner.studio, name="Old", email="c1@example.com")
    rows = [f"C{i},c{i}@example.com,,Ten,10,{i % 3},900,," for i in range(150)]
    result = run(owner, "\n".join([HEADER, *rows]))
    assert result.valid and (result.clients_created, result.clients_matched) == (149, 1)
    assert not counts.drifted().exists() and not tallies.drifted().exists()
    assert tallies.live_packages(owner.studio.pk) == 150
    package = Package.objects.get(pk=result.rows[2].package_id)
    assert (package.sessions_used, package.client.email) == (2, "c2@example.com")
    created, adjusted = package.history.order_by("history_id")
    assert (created.history_type, created.history_action, created.history_user) == (
        "+",
        "created",
        owner.user,
    )
    assert (adjusted.history_action, adjusted.history_reason) == (
        "adjusted",
        "2 sessions removed: Used before import (line 4)",
    )
    assert Package.objects.get(pk=result.rows[0].package_id).history.count() == 1
    assert {row.client_id for row in result.rows} == set(
        Client.objects.filter(studio=owner.studio).values_list("pk", flat=True)
    )


def test_a_dry_run_sends_no_write_and_opens_no_transaction(owner):
    rows = [f"C{i},c{i}@example.com,,Ten,10,3,900,," for i in range(50)]
    with CaptureQueriesContext(connection) as captured:
        assert run(owner, "\n".join([HEADER, *rows]), dry_run=True).valid
    statements = [query["sql"].split()[0].upper() for query in captured.captured_queries]
    assert statements == ["SELECT"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's database-wide write lock")
@pytest.mark.django_db(transaction=True)
def test_another_writer_can_write_while_a_dry_run_checks_rows(owner, monkeypatch):
    # On SQLite every transaction.atomic() begins IMMEDIATE, taking the one write lock: a dry run
    # inside one made every other studio's writes wait for it (and fail after 30 s).
    path = connection.settings_dict["NAME"]
    took_the_lock = []
    parse_money = money.parse_money

    def parse_money_while_writing(value):
        if not took_the_lock:
            other = sqlite3.connect(path, timeout=0.5)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                took_the_lock.append(True)
            except sqlite3.OperationalError as exc:
                took_the_lock.append(str(exc))
            finally:
                other.close()
        return parse_money(value)

    monkeypatch.setattr(money, "parse_money", parse_money_while_writing)
    assert run(owner, GOOD, dry_run=True).valid
    assert took_the_lock == [True]


# Domain: input that used to answer 500 ------------------------------------------------------------

BIG = "99999999999999999999"  # over 64 bits
HUGE = "9" * 5_000  # over Python's 4,300-digit limit for int()


def bad_cell(column: str, value: str) -> str:
    cells = {"client_name": "Ana", "package_name": "Ten", "total_sessions": "10"}
    cells |= {"total_value": "900", column: value}
    return f"{HEADER}\n{','.join(cells.get(c, '') for c in imports.COLUMNS)}\n"


BAD_CELLS = {
    "sessions-64-bit": ("total_sessions", BIG),
    "sessions-5000-digits": ("total_sessions", HUGE),
    "used-64-bit": ("sessions_used", BIG),
    "used-5000-digits": ("sessions_used", HUGE),
    "value-64-bit": ("total_value", BIG),
    "value-5000-digits": ("total_value", HUGE),
    "long-name": ("client_name", "A" * 140_000),
    "long-sessions": ("total_sessions", "1" * 140_000),
}


@pytest.mark.parametrize(("column", "value"), BAD_CELLS.values(), ids=BAD_CELLS.keys())
def test_numbers_too_big_and_cells_too_long_are_named_by_line_and_column(owner, column, value):
    for dry_run in (True, False):
        result = run(owner, bad_cell(column, value), dry_run=dry_run)
        assert where(result) == {(2, column)}
        assert result.rows[0].total_sessions in (None, 10)
    assert not Client.objects.exists()


@pytest.mark.parametrize(("column", "value"), BAD_CELLS.values(), ids=BAD_CELLS.keys())
def test_api_names_a_too_big_number_or_too_long_cell_by_line_and_column(owner, column, value):
    text = bad_cell(column, value)
    response = post(owner, csv=text, dry_run=True)
    assert response.status_code == 200
    assert [(e["line"], e["field"]) for e in response.json()["errors"]] == [(2, column)]
    response = post(owner, csv=text, dry_run=False)
    assert response.status_code == 422
    assert [item["loc"] for item in response.json()["detail"]] == [
        ["body", "csv", "line 2", column]
    ]


@pytest.mark.parametrize(("column", "value"), BAD_CELLS.values(), ids=BAD_CELLS.keys())
def test_page_names_a_too_big_number_or_too_long_cell_by_line_and_column(owner, column, value):
    for button in ("check", "import"):
        response = owner.web.post(URL, {"csv_text": bad_cell(column, value), button: "1"})
        assert response.status_code == 200
        assert f'<a href="#line-2">Line 2</a> · <code>{column}</code>: ' in html_of(response)
    assert not Client.objects.exists()


def test_old_mac_line_endings_are_line_breaks(owner):
    text = GOOD.replace("\n", "\r").replace("Ben Okafor,,,Starter,5,", "Ben Okafor,,,Starter,x,")
    result = run(owner, text, dry_run=True)
    assert where(result) == {(3, "total_sessions")} and len(result.rows) == 3
    result = run(owner, GOOD.replace("\n", "\r"))
    assert result.valid and result.packages_created == 2
    assert Package.objects.get(client__name="Ana Lopez").sessions_used == 4


def test_api_and_page_read_old_mac_line_endings(owner):
    text = GOOD.replace("\n", "\r")
    response = post(owner, csv=text, dry_run=True)
    assert response.status_code == 200 and response.json()["valid"]
    assert [row["line"] for row in response.json()["rows"]] == [2, 3, 4]
    html = html_of(owner.web.post(URL, {"csv_text": text, "check": "1"}))
    assert "Ready to import 3 rows" in html
    upload = SimpleUploadedFile("clients.csv", text.encode(), "text/csv")
    assert owner.web.post(URL, {"file": upload, "import": "1"}).status_code == 302
    assert Package.objects.count() == 2


def test_a_quoted_line_break_in_a_cell_counts_as_one_line_whatever_its_ending(owner):
    text = f'{HEADER}\r"Lopez, Ana",,,"Ten\r\nsessions",10,0,900,,\rBen,,,Ten,x,0,900,,\r'
    assert where(run(owner, text)) == {(4, "total_sessions")}


def test_a_line_that_is_not_utf8_is_counted_with_old_mac_line_endings(owner):
    data = "client_name\rAna\rJosé\r".encode("latin-1")
    (problem,) = run(owner, data).errors
    assert problem.line == 3


def test_a_lone_surrogate_is_named_by_line_and_column(owner):
    text = f"{HEADER}\nAna,,,Ten,10,0,900,,\nBen,,,Te\ud800n,10,0,900,,\n"
    for dry_run in (True, False):
        result = run(owner, text, dry_run=dry_run)
        assert where(result) == {(3, "package_name")}
        assert "surrogate" in result.errors[0].message
    assert not Client.objects.exists()


def test_api_names_a_lone_surrogate_by_line_and_column(owner):
    # As a JSON client sends it: the escape \ud800 with no low surrogate after it.
    body = json.dumps({"csv": f"{HEADER}\nAn\ud800a,,,Ten,10,0,900,,\n", "dry_run": True})
    assert "\\ud800" in body
    response = owner.api.post("/api/imports", body, content_type=JSON)
    assert response.status_code == 200
    assert [(e["line"], e["field"]) for e in response.json()["errors"]] == [(2, "client_name")]
    assert response.json()["rows"][0]["client_name"] == "An\ufffda"
    response = owner.api.post("/api/imports", body.replace("true", "false"), content_type=JSON)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "csv", "line 2", "client_name"]
    # In the header it is an unknown column, shown without the surrogate.
    response = post(owner, csv="client_name,col\ud800\nAna,1\n", dry_run=True)
    assert response.status_code == 200
    assert response.json()["errors"][0]["field"] == "col\ufffd"
    assert not Client.objects.exists()


# API ----------------------------------------------------------------------------------------------


def post(persona, **body):
    return persona.api.post("/api/imports", body, content_type=JSON)


def test_api_dry_run_is_the_default_and_writes_nothing(owner):
    response = post(owner, csv=GOOD)
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True and body["valid"] is True and body["errors"] == []
    assert (body["clients_created"], body["clients_matched"], body["packages_created"]) == (3, 0, 2)
    assert body["rows"][0] == {
        "line": 2,
        "client_name": "Ana Lopez",
        "client_email": "ana@example.com",
        "client_status": "new",
        "client_id": None,
        "same_as_line": None,
        "has_package": True,
        "package_name": "Standard",
        "total_sessions": 12,
        "sessions_used": 4,
        "total_value": "1200.00",
        "start_date": "2026-01-05",
        "expiry_date": "2026-07-05",
        "package_id": None,
        "valid": True,
    }
    assert not Client.objects.exists()


def test_api_import_creates_everything_and_answers_the_ids(owner):
    response = post(owner, csv=GOOD, dry_run=False)
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is False and body["valid"] is True
    package = Package.objects.get(pk=body["rows"][0]["package_id"])
    assert (package.sessions_used, package.client_id) == (4, body["rows"][0]["client_id"])
    read = owner.api.get(f"/api/packages/{package.pk}").json()
    assert (read["sessions_used"], read["sessions_remaining"], read["used_value"]) == (
        4,
        8,
        "400.00",
    )


def test_api_dry_run_of_a_bad_file_lists_every_problem_with_200(owner):
    response = post(owner, csv=BAD, dry_run=True)
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert {"line": 3, "field": "total_sessions", "message": imports.SESSIONS_MESSAGE} in body[
        "errors"
    ]
    assert len(body["errors"]) == 18


def test_api_import_of_a_bad_file_is_a_422_naming_line_and_column_and_writes_nothing(owner):
    before = table_counts()
    response = post(owner, csv=BAD, dry_run=False)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert {
        "loc": ["body", "csv", "line 3", "total_sessions"],
        "msg": imports.SESSIONS_MESSAGE,
        "type": "invalid_csv",
    } in detail
    assert ["body", "csv", "line 17"] in [item["loc"] for item in detail]
    assert table_counts() == before


def test_api_import_of_an_empty_file_is_a_422_on_the_csv(owner):
    response = post(owner, csv="client_name\n", dry_run=False)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "csv"]


@pytest.mark.parametrize(
    "body",
    [{}, {"csv": 5}, {"csv": "client_name\nA\x00\n"}, {"csv": "x", "dry_run": "maybe"}],
    ids=["missing", "number", "nul", "bad-flag"],
)
def test_api_refuses_malformed_bodies_with_422(owner, body):
    response = owner.api.post("/api/imports", body, content_type=JSON)
    assert response.status_code == 422 and response.json()["detail"]


def test_api_trainers_may_import(trainer):
    response = post(trainer, csv=GOOD, dry_run=False)
    assert response.status_code == 200
    assert Package.objects.filter(studio=trainer.studio).count() == 2


def test_api_needs_a_signed_in_caller(client):
    response = client.post("/api/imports", {"csv": GOOD}, content_type=JSON)
    assert response.status_code == 401 and response.json() == {"detail": "Unauthorized"}


def test_api_import_lands_in_the_callers_studio_only(owner, outsider):
    mine = ClientFactory(studio=owner.studio, name="Ana Lopez", email="ana@example.com")
    response = post(outsider, csv=GOOD, dry_run=False)
    assert response.status_code == 200 and response.json()["clients_matched"] == 0
    assert not Package.objects.filter(studio=owner.studio).exists()
    assert not mine.packages.exists()
    assert Client.objects.filter(studio=outsider.studio).count() == 3


def test_api_operation_is_documented_with_every_status(client):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/imports"]["post"]
    assert set(operation["responses"]) == {"200", "401", "403", "422"}


# Page ---------------------------------------------------------------------------------------------

URL = "/packages/import/"


def html_of(response) -> str:
    return response.content.decode()


def test_page_offers_a_file_a_text_box_the_sample_and_the_columns(owner):
    response = owner.web.get(reverse("packages:import"))
    assert response.status_code == 200 and reverse("packages:import") == URL
    html = html_of(response)
    assert 'type="file"' in html and "<textarea" in html and 'enctype="multipart/form-data"' in html
    assert reverse("packages:import-sample") in html and "Check file" in html
    for column in imports.COLUMNS:
        assert f"<code>{column}</code>" in html
    assert 'name="import"' not in html


def test_packages_list_links_to_the_import(owner):
    assert reverse("packages:import") in html_of(owner.web.get(reverse("packages:list")))


def test_checking_pasted_rows_previews_them_and_writes_nothing(owner):
    response = owner.web.post(URL, {"csv_text": GOOD, "check": "1"})
    assert response.status_code == 200
    html = html_of(response)
    assert "Ready to import 3 rows" in html and "Import 3 rows" in html
    assert "4 of 12 used · 8 left" in html and "$1,200.00" in html and "Client only" in html
    assert 'name="csv_text" value="client_name,client_email' in html
    assert not Client.objects.exists()


def test_checking_a_bad_file_lists_each_problem_and_offers_no_import(owner):
    response = owner.web.post(URL, {"csv_text": BAD, "check": "1"})
    html = html_of(response)
    assert "18 problems to fix" in html and "Nothing was imported" in html
    assert (
        '<a href="#line-3">Line 3</a> · <code>total_sessions</code>: Enter a whole number' in html
    )
    assert 'id="line-3"' in html
    assert 'name="import"' not in html
    assert not Client.objects.exists()


def test_an_uploaded_file_is_checked_and_its_text_put_in_the_box(owner):
    upload = SimpleUploadedFile("clients.csv", ("\ufeff" + GOOD).encode(), "text/csv")
    html = html_of(owner.web.post(URL, {"file": upload, "check": "1"}))
    assert "Ready to import 3 rows" in html
    assert "Ana Lopez,ana@example.com,555 0100" in html.split("<textarea")[1]


def test_an_uploaded_file_that_is_not_utf8_is_explained(owner):
    upload = SimpleUploadedFile("clients.csv", "client_name\nJosé\n".encode("cp1252"))
    html = html_of(owner.web.post(URL, {"file": upload, "check": "1"}))
    assert "Line 2: This line is not UTF-8 text" in html


def test_importing_the_checked_text_redirects_to_the_packages_with_a_message(owner):
    response = owner.web.post(URL, {"csv_text": GOOD, "import": "1"}, follow=True)
    assert response.redirect_chain == [(reverse("packages:list"), 302)]
    html = html_of(response)
    assert "Imported 3 rows: 3 new clients, 0 existing clients, 2 packages." in html
    assert "4 of 12 used · 8 left" in html
    assert Package.objects.filter(studio=owner.studio).count() == 2


def test_importing_text_that_turned_bad_writes_nothing_and_shows_why(owner):
    before = table_counts()
    response = owner.web.post(URL, {"csv_text": BAD, "import": "1"})
    assert response.status_code == 200 and "Nothing was imported" in html_of(response)
    assert table_counts() == before


def test_checking_nothing_asks_for_a_file_or_rows(owner):
    html = html_of(owner.web.post(URL, {"csv_text": "  ", "check": "1"}))
    assert "Choose a CSV file or paste its rows." in html


def test_trainers_may_import_on_the_page(trainer):
    response = trainer.web.post(URL, {"csv_text": GOOD, "import": "1"})
    assert response.status_code == 302
    assert Package.objects.filter(studio=trainer.studio).count() == 2


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (URL, reverse("packages:import-sample")):
        response = client.get(url)
        assert response.status_code == 302 and "/signin/" in response["Location"]
    assert client.post(URL, {"csv_text": GOOD, "import": "1"}).status_code == 302
    assert not Client.objects.exists()


def test_sample_csv_downloads_and_imports_as_it_is(owner):
    response = owner.web.get(reverse("packages:import-sample"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0] == HEADER
    result = run(owner, text, dry_run=True)
    assert result.valid and (result.clients_created, result.packages_created) == (3, 2)
