"""Where one request's time goes, in-process (no gunicorn): mean ms, SQL queries and a cProfile.

    DJANGO_SETTINGS_MODULE=config.settings .venv/bin/python -m bench.profile /api/packages [/ …]
        [--studio large] [--runs 50] [--top 30] [--sort tottime]

Runs on the benchmark studios (`make bench` generates them); an `/api/` path is asked with a bearer
token, any other with the owner's session cookie, as the benchmark does. `POST /api/sessions` logs
sessions as the benchmark's logging clients do (a random client, the rule picks the package); the
sessions it logged are deleted and their packages recounted afterwards.
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client as TestClient  # noqa: E402

from bench import generate  # noqa: E402
from punchcard.clients.models import Client  # noqa: E402
from punchcard.studios.models import User  # noqa: E402
from punchcard.studios.services import token_issue  # noqa: E402
from punchcard.training.models import TrainingSession  # noqa: E402

MARKER = "bench-profile"


def _session_poster(client, user, headers):
    """A POST /api/sessions as the benchmark's logging clients send it."""
    client_ids = list(
        Client.objects.for_studio(user.membership.studio_id).live().values_list("id", flat=True)
    )
    rng = random.Random(7)

    def post():
        body = json.dumps({"client_id": rng.choice(client_ids), "notes": MARKER})
        response = client.post("/api/sessions", body, content_type="application/json", **headers)
        assert response.status_code == 201, response.content
        return response

    return post


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--studio", default="large-a")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="profile CPU time, not wall time (a busy machine or database waits then drop out)",
    )
    args = parser.parse_args(argv)

    user = User.objects.get(email=generate.owner_email(args.studio))
    _, token = token_issue(user=user, name="profile")
    web = TestClient(HTTP_HOST="127.0.0.1")
    web.force_login(user, backend="punchcard.studios.backends.StudioUserBackend")
    api = TestClient(HTTP_HOST="127.0.0.1")  # no cookie: the token alone, as an integration would

    for path in args.paths:
        is_post = path.startswith("POST ")
        is_api = is_post or path.startswith("/api/")
        client = api if is_api else web
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if is_api else {}

        def get(path=path, client=client, headers=headers):
            response = client.get(path, **headers)
            assert response.status_code == 200, (path, response.status_code)
            return response

        if is_post:
            assert path == "POST /api/sessions", "POST: only /api/sessions"
            get = _session_poster(client, user, headers)

        for _ in range(3):
            get()
        queries = []

        def record(execute, sql, params, many, context, queries=queries):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append((time.perf_counter() - started, sql))

        with connection.execute_wrapper(record):
            get()
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.runs):
            get()
        mean = (time.perf_counter() - started) / args.runs * 1000
        # CPU time of this process: steadier than the wall clock on a machine shared with others.
        cpu = (time.process_time() - cpu) / args.runs * 1000
        print(
            f"\n{path}: {mean:.2f} ms mean over {args.runs} ({cpu:.2f} ms CPU), "
            f"{len(queries)} queries"
        )
        for seconds, sql in queries:
            print(f"  {seconds * 1000:6.2f} ms  {sql[:200]}")
        profiler = cProfile.Profile(time.process_time) if args.cpu else cProfile.Profile()
        profiler.enable()
        for _ in range(args.runs):
            get()
        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
        if is_post:
            generate.forget_sessions(TrainingSession.objects.filter(notes=MARKER))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
