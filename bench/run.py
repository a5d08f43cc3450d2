"""`make bench`: generate (or reuse) the benchmark studios, serve them with gunicorn on loopback,
and measure what a user waits for. See README, "Benchmark", for what each figure means.

    DJANGO_SETTINGS_MODULE=config.settings .venv/bin/python -m bench.run [--runs N] [--quick]

The database is whatever the settings point at: keep it apart from real data, e.g.
PUNCHCARD_VAR_DIR=/tmp/bench-var (SQLite) or DATABASE_URL=postgresql://…/punchcard_bench.
"""

import argparse
import csv
import http.client
import io
import json
import math
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client as TestClient  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from bench import generate  # noqa: E402
from punchcard.clients.models import Client  # noqa: E402
from punchcard.packages import (  # noqa: E402
    imports,
    selectors,
    tallies,  # noqa: E402
)
from punchcard.packages.models import Package  # noqa: E402
from punchcard.studios.models import User  # noqa: E402
from punchcard.studios.services import token_issue  # noqa: E402
from punchcard.training import counts  # noqa: E402
from punchcard.training.models import TrainingSession  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
BIN = Path(sys.executable).parent
API_PAGE, HTML_PAGE = 50, 25
DEEP_PAGE = 500
LOG_CLIENTS = 8
IMPORT_ROWS = 5_000


# Studios and what is requested of them ---------------------------------------------------------


class Target:
    """One benchmark studio: its credentials and the ids the requests use."""

    def __init__(self, label: str):
        self.label = label
        self.studio = generate.find_studio(label)
        user = User.objects.get(email=generate.owner_email(label))
        _, self.token = token_issue(user=user, name="bench")
        web = TestClient()
        web.force_login(user, backend="punchcard.studios.backends.StudioUserBackend")
        self.cookie = web.cookies["sessionid"].value
        self.user = user
        live = Package.objects.for_studio(self.studio).live()
        self.package_count = live.count()
        # A package in the middle of the id range, and a client who holds a few packages.
        ids = list(live.order_by("id").values_list("id", flat=True)[: self.package_count])
        self.package_id = ids[len(ids) // 2]
        self.client_id = Package.objects.get(pk=self.package_id).client_id
        self.client_ids = list(
            Client.objects.for_studio(self.studio).live().values_list("id", flat=True)
        )

    def deep_page(self, page_size: int) -> int:
        """Page 500, or the deepest full page when the studio has fewer (the small one).

        Full, so that the growth compares pages of as many rows: the small studio's last page
        held 36 packages of 50 (the HTML's 11 of 25), and a row costs ~20 us to send.
        """
        return min(DEEP_PAGE, max(1, self.package_count // page_size))

    def requests(self) -> list[tuple[str, str, str]]:
        """(name, kind, path); kind says which target applies (list, detail, dashboard, report)."""
        variants = [
            ("default sort", {}),
            ("sort=sessions_remaining", {"sort": "sessions_remaining"}),
            ("sort=client", {"sort": "client"}),
            ("client_id=", {"client_id": self.client_id}),
            ("status=expired", {"status": "expired"}),
        ]
        rows = []
        for prefix, path, size in (
            ("GET /api/packages", "/api/packages", API_PAGE),
            ("GET /packages", "/packages/", HTML_PAGE),
        ):
            kind = "list_api" if path.startswith("/api") else "list_html"
            for name, params in variants:
                rows.append((f"{prefix} {name}", kind, path + _qs(params)))
            rows.append((f"{prefix} deep page", kind, path + _qs({"page": self.deep_page(size)})))
        rows += [
            ("GET /api/packages/{id}", "detail", f"/api/packages/{self.package_id}"),
            ("GET / (dashboard)", "dashboard", "/"),
            ("GET /api/analytics/packages", "report", "/api/analytics/packages"),
            ("GET /api/reports/expired-packages", "report", "/api/reports/expired-packages"),
        ]
        return rows

    def headers(self, path: str) -> dict:
        if path.startswith("/api/"):
            return {"Authorization": f"Bearer {self.token}"}
        return {"Cookie": f"sessionid={self.cookie}"}


def _qs(params: dict) -> str:
    return "?" + urlencode(params) if params else ""


# HTTP ------------------------------------------------------------------------------------------


class Http:
    """One keep-alive connection to the server, as one browser tab or API client would hold."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, headers: dict, body: bytes | None = None):
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                return response.status, data
            except (http.client.HTTPException, ConnectionError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def timed(fn, *, runs: int, warmup: int, budget: float) -> dict:
    """Median and p95 in ms of fn(), after a warm-up; stops early once `budget` seconds are spent."""
    for _ in range(warmup):
        fn()
    samples, started = [], time.perf_counter()
    while len(samples) < runs and (len(samples) < 20 or time.perf_counter() - started < budget):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {
        "p50": round(statistics.median(samples), 2),
        "p95": round(samples[max(0, math.ceil(0.95 * len(samples)) - 1)], 2),
        "runs": len(samples),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn on loopback, configured as `make run` serves the app (2 workers × 4 threads)."""

    def __init__(self, workers: int = 2, threads: int = 4):
        self.port = free_port()
        env = {**os.environ, "SECURE_COOKIES": "0", "DEBUG": "0", "LOG_LEVEL": "WARNING"}
        self.proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--keep-alive",
                "30",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                status, _ = Http(self.port).request("GET", "/api/health", {})
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start: " + self.proc.stderr.read().decode()[-2000:])

    def worker_pids(self) -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(stat[1]) == self.proc.pid:  # its parent
                    found.append(int(entry.name))
        return found

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            try:
                status = (Path("/proc") / str(pid) / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            sizes.append(round(int(fields["VmRSS"].split()[0]) / 1024, 1))
        return sorted(sizes)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# The floors ------------------------------------------------------------------------------------


def _raw_connection():
    """A connection of the driver's own, no Django in between (autocommit on PostgreSQL)."""
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        import psycopg

        return psycopg.connect(
            dbname=db["NAME"],
            user=db["USER"],
            password=db["PASSWORD"] or None,
            host=db["HOST"] or None,
            port=db["PORT"] or None,
            autocommit=True,
        )
    return sqlite3.connect(db["NAME"])


def raw_sql(sql: str, params=(), *, runs: int, rows: int | None = None) -> dict:
    """`sql` run and fetched straight through the driver: what the database alone costs.

    On PostgreSQL psycopg prepares a statement after its fifth run, so the figure leaves out
    planning; the app's statements are planned on every run.
    """
    if connection.vendor != "postgresql":
        sql = sql.replace("%s", "?")
    raw = _raw_connection()
    try:
        cursor = raw.cursor()

        def run():
            cursor.execute(sql, params)
            return cursor.fetchall()

        if rows is not None:
            assert len(run()) == rows
        return timed(run, runs=runs, warmup=5, budget=10)
    finally:
        raw.close()


def raw_first_page(target: Target, runs: int) -> dict:
    """The default list's first-page query, run straight through the driver: the database alone."""
    today = target.studio.today()
    queryset = selectors.package_list(
        studio=target.studio, filters=selectors.PackageFilters(), today=today
    )[:API_PAGE]
    sql, params = queryset.query.sql_with_params()
    return raw_sql(sql, params, runs=runs, rows=min(API_PAGE, target.package_count))


# Queries per request, in-process on the same database ----------------------------------------


def queries_per_request(target: Target, path: str) -> list[str]:
    """The SQL one request runs (its count is the SQL column), as the database was sent it."""
    if path.startswith("/api/"):
        client = TestClient(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {target.token}")
    else:
        client = TestClient(HTTP_HOST="127.0.0.1")
        client.force_login(target.user, backend="punchcard.studios.backends.StudioUserBackend")
    assert client.get(path).status_code == 200, path  # warm: token last-used stamp, caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return [query["sql"] for query in captured.captured_queries]


# Session logging under concurrency -------------------------------------------------------------


def log_throughput(port: int, target: Target, per_client: int, sent=None) -> dict:
    """LOG_CLIENTS clients POST sessions at once; then every 201 must be a row, counts exact.

    `sent()`, if given, is called once the last POST is answered, before the checks and the
    clean-up."""
    marker = f"bench-log {datetime.now(UTC).isoformat()}"
    rng = random.Random(7)
    plan = [[rng.choice(target.client_ids) for _ in range(per_client)] for _ in range(LOG_CLIENTS)]
    headers = {
        "Authorization": f"Bearer {target.token}",
        "Content-Type": "application/json",
    }
    barrier = threading.Barrier(LOG_CLIENTS)

    def client(client_ids):
        http_ = Http(port)
        created, errors = 0, 0
        barrier.wait()
        for client_id in client_ids:
            body = json.dumps({"client_id": client_id, "notes": marker}).encode()
            status, _ = http_.request("POST", "/api/sessions", headers, body)
            if status == 201:
                created += 1
            else:
                errors += 1
        return created, errors

    started = time.perf_counter()
    with ThreadPoolExecutor(LOG_CLIENTS) as pool:
        results = list(pool.map(client, plan))
    elapsed = time.perf_counter() - started
    if sent is not None:
        sent()
    created = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    rows = TrainingSession.objects.filter(notes=marker)
    stored = rows.count()
    touched = set(rows.exclude(package=None).values_list("package_id", flat=True))
    drifted = counts.drifted().filter(pk__in=touched).count()
    generate.forget_sessions(rows)
    return {
        "clients": LOG_CLIENTS,
        "sent": LOG_CLIENTS * per_client,
        "created": created,
        "errors": errors,
        "rows_stored": stored,
        "lost": created - stored,
        "counters_drifted": drifted,
        "seconds": round(elapsed, 2),
        "per_second": round(created / elapsed, 1),
    }


# CSV import ------------------------------------------------------------------------------------


def import_timing(port: int, target: Target, rows: int) -> dict:
    """POST /api/imports with a `rows`-row file: the check (dry run), then the import; what the
    import created is removed again. One row in five is a client the studio already has."""
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    known = list(
        Client.objects.filter(pk__in=target.client_ids[: rows // 5]).values_list("name", "email")
    )
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(imports.COLUMNS)
    for i in range(rows):
        name, email = known[i // 5] if i % 5 == 0 and i // 5 < len(known) else (f"Import {i}", "")
        email = email or f"import-{stamp}-{i}@bench.example"
        writer.writerow([name, email, f"555 {i}", "Ten", 10, i % 4, "900.00", "2026-01-01", ""])
    headers = {"Authorization": f"Bearer {target.token}", "Content-Type": "application/json"}
    http_ = Http(port)
    seconds = {}
    for label, dry_run in (("check", True), ("import", False)):
        body = json.dumps({"csv": text.getvalue(), "dry_run": dry_run}).encode()
        t0 = time.perf_counter()
        status, data = http_.request("POST", "/api/imports", headers, body)
        seconds[label] = round(time.perf_counter() - t0, 2)
        answer = json.loads(data)
        if status != 200 or not answer["valid"]:
            raise RuntimeError(f"import ({label}) answered {status}: {data[:500]!r}")
    rows_out = answer["rows"]
    package_ids = [row["package_id"] for row in rows_out if row["package_id"]]
    client_ids = {row["client_id"] for row in rows_out if row["client_status"] == "new"}
    # Back to the data as generated (no history of the removal either), so reruns measure the same.
    with override_settings(SIMPLE_HISTORY_ENABLED=False), transaction.atomic():
        Package.history.model.objects.filter(id__in=package_ids).delete()
        Package.objects.filter(pk__in=package_ids).delete()
        Client.objects.filter(pk__in=client_ids).delete()
        tallies.live_packages_moved(target.studio.pk, -len(package_ids))
    generate.analyze()
    connection.close()
    return {
        "rows": rows,
        "check_seconds": seconds["check"],
        "import_seconds": seconds["import"],
        "clients_created": answer["clients_created"],
        "clients_matched": answer["clients_matched"],
    }


def _import_line(result: dict) -> str:
    return (
        f"POST /api/imports, {result['rows']:,} rows: check (dry run) {result['check_seconds']} s, "
        f"import {result['import_seconds']} s ({result['clients_created']:,} new clients, "
        f"{result['clients_matched']:,} matched)"
    )


# Page weight -----------------------------------------------------------------------------------


def page_weight(port: int, target: Target) -> dict:
    http_ = Http(port)
    status, html = http_.request("GET", "/packages/", target.headers("/packages/"))
    assert status == 200
    import re

    assets = re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
    sizes = {"/packages/": len(html)}
    for asset in assets:
        status, body = http_.request("GET", asset.decode(), {})
        assert status == 200, asset
        sizes[asset.decode()] = len(body)
    return {"bytes": sum(sizes.values()), "parts": sizes}


# The run ---------------------------------------------------------------------------------------


def _summary(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {
        "p50": round(statistics.median(samples), 2),
        "p95": round(samples[max(0, math.ceil(0.95 * len(samples)) - 1)], 2),
        "runs": len(samples),
    }


def measure_studios(
    port: int, targets: dict, runs: int, match: list[str] | None = None
) -> tuple[dict, list[float]]:
    """Every request on every studio, their samples interleaved: large, small, health, large, …

    Other work on a shared machine comes and goes; measured one after the other, the large and the
    small studio (and the health floor) saw different loads and the growth and ratio measured the
    load. Interleaved, each pair shares it. Returns the rows per studio and the health samples.
    """
    labels = list(targets)
    conns = {label: Http(port) for label in labels}
    health_http = Http(port)
    health = []
    plans = {
        label: [r for r in targets[label].requests() if not match or any(m in r[0] for m in match)]
        for label in labels
    }
    rows = {label: {} for label in labels}
    for i, (name, kind, _) in enumerate(plans[labels[0]]):
        calls = {}
        for label in labels:
            _, _, path = plans[label][i]
            target, http_ = targets[label], conns[label]
            headers = target.headers(path)
            status, _ = http_.request("GET", path, headers)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            calls[label] = lambda http_=http_, path=path, headers=headers: http_.request(
                "GET", path, headers
            )
        for _ in range(5):
            for call in calls.values():
                call()
        samples = {label: [] for label in labels}
        budget = 30 if kind == "report" else 15
        started = time.perf_counter()
        while len(samples[labels[0]]) < runs and (
            len(samples[labels[0]]) < 20 or time.perf_counter() - started < budget
        ):
            for label, call in calls.items():
                t0 = time.perf_counter()
                call()
                samples[label].append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            health_http.request("GET", "/api/health", {})
            health.append((time.perf_counter() - t0) * 1000)
        for label in labels:
            path = plans[label][i][2]
            queries = queries_per_request(targets[label], path)
            row = rows[label][name] = {
                "kind": kind,
                "path": path,
                **_summary(samples[label]),
                "queries": len(queries),
            }
            if kind == "list_api":
                # Its page-and-count statement (the last; the first checks the token) alone.
                row["own_sql"] = raw_sql(queries[-1], runs=runs)
        connection.close()
    return rows, health


def table(results: dict, with_log: bool = True) -> str:
    large, small = results["large"], results["small"]
    floors = results["floors"]
    head = (
        f"{'request':44} {'p50 ms':>8} {'p95 ms':>8} {'small p50':>10} {'ratio':>6} "
        f"{'growth':>7} {'SQL':>4} {'own SQL':>8} {'least':>6}"
    )
    lines = [head, "-" * len(head)]
    for name, row in large.items():
        line = (
            f"{name:44} {row['p50']:8.2f} {row['p95']:8.2f} {small[name]['p50']:10.2f} "
            f"{row['ratio']:6.2f} {row['growth']:7.2f} {row['queries']:4d}"
        )
        if "own_sql" in row:
            line += f" {row['own_sql']['p50']:8.2f} {row['least_ratio']:6.2f}"
        lines.append(line)
    lines.append("-" * len(head))
    for label in ("large", "small"):
        f = floors[label]
        lines.append(
            f"floor {label}: raw SQL first page p50 {f['raw_sql']['p50']:.2f} ms "
            f"(p95 {f['raw_sql']['p95']:.2f}), GET /api/health p50 {f['health']['p50']:.2f} ms "
            f"(p95 {f['health']['p95']:.2f})"
        )
    lines.append(
        "own SQL: a list's own statement straight through the driver; least: the ratio of that "
        "statement plus the health floor, the least any code running it could reach"
    )
    if not with_log:
        return "\n".join(lines)
    log = results["log"]
    lines.append(
        f"POST /api/sessions, {log['clients']} clients: {log['per_second']}/s; "
        f"{log['created']} created, {log['rows_stored']} stored, lost {log['lost']}, "
        f"errors {log['errors']}, counters drifted {log['counters_drifted']}"
    )
    if "import" in results:
        lines.append(_import_line(results["import"]))
    lines.append(
        f"worker RSS: {', '.join(f'{m} MB' for m in results['worker_rss_mb'])}; "
        f"/packages page with assets: {results['page_weight']['bytes']:,} bytes"
    )
    load = ", ".join(f"{x:.1f}" for x in results["load_before"][:1] + results["load_after"][:1])
    lines.append(f"load average (1 min) before, after: {load} on {os.cpu_count()} cores")
    return "\n".join(lines)


def summary(results: dict) -> str:
    large = results["large"]
    lists = [r for r in large.values() if r["kind"].startswith("list")]
    worst_list = max(r["p50"] for r in lists)
    worst_ratio = max(r["ratio"] for r in large.values() if r["kind"] == "list_api")
    analytics = large["GET /api/analytics/packages"]["p50"]
    growth = max(
        r["growth"] for r in large.values() if r["kind"] in ("list_api", "list_html", "detail")
    )
    return (
        f"bench: worst list p50 {worst_list:.1f} ms, worst ratio {worst_ratio:.2f}, "
        f"analytics p50 {analytics:.1f} ms, growth {growth:.2f}, "
        f"log {results['log']['per_second']:.0f}/s"
    )


def only_log(per_client: int) -> int:
    """The logging throughput alone, with the load around it: for measuring a change to logging."""
    target = Target("large-a")
    connection.close()
    server = Server()
    try:
        before = os.getloadavg()
        # The machine's CPU is what limits the rate: say who spent it (warmed up first, so that
        # the workers' and the database's connections exist when the counting starts).
        log_throughput(server.port, target, 5)
        connection.close()
        before_cpu, after_cpu = _cpu_seconds(server), {}
        # Read as the last POST is answered: the checks and the clean-up after it are not logging.
        log = log_throughput(
            server.port, target, per_client, sent=lambda: after_cpu.update(_cpu_seconds(server))
        )
        spent = {who: after_cpu[who] - before_cpu.get(who, 0.0) for who in after_cpu}
        after = os.getloadavg()
    finally:
        server.stop()
    cpu_ms = {who: round(seconds * 1000 / log["created"], 2) for who, seconds in spent.items()}
    print(json.dumps({"log": log, "cpu_ms_per_post": cpu_ms, "load": [before[0], after[0]]}))
    return 0


def only_import(rows: int) -> int:
    """The CSV import alone (a check and an import of `rows` rows): for measuring a change to it."""
    target = Target("large-a")
    connection.close()
    server = Server()
    try:
        print(_import_line(import_timing(server.port, target, rows)))
    finally:
        server.stop()
    return 0


def _cpu_seconds(server: Server) -> dict:
    """CPU seconds so far of this process (the clients), the gunicorn workers, and, on
    PostgreSQL, the backends connected to the benchmark database."""
    tick = os.sysconf("SC_CLK_TCK")

    def of(pid) -> float:
        try:
            fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick

    times = os.times()
    spent = {"clients": times.user + times.system}
    spent["gunicorn"] = sum(of(pid) for pid in server.worker_pids()) + of(server.proc.pid)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
            spent["postgresql"] = sum(of(pid) for (pid,) in cursor.fetchall())
        connection.close()
    return spent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100, help="timed requests per endpoint")
    parser.add_argument("--log-per-client", type=int, default=60, help="POSTs per client")
    parser.add_argument(
        "--import-rows",
        type=int,
        default=IMPORT_ROWS,
        help="rows of the CSV import measured (checked, then imported and removed); 0 skips it",
    )
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument(
        "--match",
        action="append",
        help="only the requests whose name holds this text (repeatable), with the floors; no "
        "logging, nothing saved: for trying a change",
    )
    parser.add_argument(
        "--only",
        choices=["log", "import"],
        help="log: just the session-logging throughput (seconds, not minutes); import: just the "
        "CSV import; nothing is saved",
    )
    args = parser.parse_args(argv)

    vendor = connection.vendor
    print(f"bench: database {vendor} ({settings.DATABASES['default']['NAME']})", flush=True)
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", "--noinput", verbosity=0)
    started = time.perf_counter()
    # New indexes (a migration since the data was generated) need fresh planner statistics.
    generated = generate.generate_all(
        log=lambda m: print(m, flush=True), analyze_anyway=bool(pending)
    )
    if not generated:
        print("bench: reusing the generated studios", flush=True)
    else:
        print(f"bench: data ready in {time.perf_counter() - started:.1f} s", flush=True)
    if args.generate_only:
        return 0

    if args.only == "log":
        return only_log(args.log_per_client)
    if args.only == "import":
        return only_import(args.import_rows or IMPORT_ROWS)

    large, small = generate.find_studio("large-a"), generate.find_studio("small")
    assert large is not None and small is not None
    targets = {"large": Target("large-a"), "small": Target("small")}
    # Written on the way: the connection must not hold a SQLite read snapshot during the run.
    connection.close()

    server = Server()
    try:
        results = {
            "database": vendor,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "generated_seconds": generated,
            "runs": args.runs,
            # Other work on the machine skews every figure: the load before and after says how much.
            "load_before": os.getloadavg(),
            "floors": {},
        }
        for label, target in targets.items():
            results["floors"][label] = {"raw_sql": raw_first_page(target, args.runs * 2)}
        connection.close()
        print("bench: measuring the large and the small studio, interleaved", flush=True)
        measured, health = measure_studios(server.port, targets, args.runs, args.match)
        results.update(measured)
        for label in targets:
            # One health floor for both: sampled between their requests, under the same load.
            results["floors"][label]["health"] = _summary(health)
        for label in ("large", "small"):
            floor = results["floors"][label]
            base = floor["raw_sql"]["p50"] + floor["health"]["p50"]
            for name, row in results[label].items():
                row["ratio"] = round(row["p50"] / base, 2)
                if "own_sql" in row:
                    # The least ratio any code running this statement could reach: the
                    # statement and the framework's floor, nothing else.
                    least = row["own_sql"]["p50"] + floor["health"]["p50"]
                    row["least_ratio"] = round(least / base, 2)
                if label == "large":
                    row["growth"] = round(row["p50"] / results["small"][name]["p50"], 2)
        if args.match:
            print(table(results, with_log=False))
            return 0
        print("bench: logging sessions with 8 concurrent clients", flush=True)
        results["log"] = log_throughput(server.port, targets["large"], args.log_per_client)
        if args.import_rows:
            print(f"bench: importing a {args.import_rows:,}-row CSV", flush=True)
            results["import"] = import_timing(server.port, targets["large"], args.import_rows)
        results["page_weight"] = page_weight(server.port, targets["large"])
        results["worker_rss_mb"] = server.worker_rss_mb()
        results["load_after"] = os.getloadavg()
    finally:
        server.stop()

    results["summary"] = summary(results)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for name in (f"{vendor}-{stamp}.json", f"latest-{vendor}.json"):
        (RESULTS / name).write_text(json.dumps(results, indent=2, default=str) + "\n")
    print()
    print(table(results))
    print(f"results: bench/results/latest-{vendor}.json")
    print(results["summary"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
