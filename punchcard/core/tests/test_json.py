"""The API's JSON: orjson, spelling every value as Ninja's own encoder would."""

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from ninja.responses import NinjaJSONEncoder

from config.api import api
from punchcard.core.api import JsonRenderer, rendered, to_json

PAYLOAD = {
    "items": [
        {
            "at": datetime(2026, 11, 24, 9, 30, 0, 123456, tzinfo=UTC),
            "offset": datetime(2026, 3, 29, 1, 59, 59, 999, tzinfo=timezone(timedelta(hours=-4))),
            "whole": datetime(2026, 1, 1, tzinfo=UTC),
            "naive": datetime(2026, 1, 1, 12, 0, 0, 500),
            "earliest": datetime(1, 1, 2, tzinfo=UTC),
            "latest": datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC),
            "day": date(2026, 2, 28),
            "clock": time(7, 5, 3, 250000),
            "money": Decimal("1200.10"),
            "id": uuid.UUID(int=7),
            "name": 'Zoë “Premium” 🏋 \u2028 "quoted" \\ </script>',
            "big": 2**53 + 1,
            "flags": [True, False, None],
        }
    ],
    "count": 1,
    7: "a number as key",
}


def _as_ninja_writes_it(data):
    return json.loads(json.dumps(data, cls=NinjaJSONEncoder))


def test_every_value_reads_back_as_ninjas_encoder_wrote_it():
    assert json.loads(to_json(PAYLOAD)) == _as_ninja_writes_it(PAYLOAD)
    # Milliseconds and Z, not orjson's own microseconds and +00:00.
    assert b'"at":"2026-11-24T09:30:00.123Z"' in to_json(PAYLOAD)


def test_the_api_and_the_fast_lists_render_alike():
    renderer = api.renderer
    assert isinstance(renderer, JsonRenderer)
    as_api = renderer.render(None, PAYLOAD, response_status=200)
    response = rendered(PAYLOAD)
    assert response.content == as_api == to_json(PAYLOAD)
    assert response["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.django_db
def test_an_api_answer_is_valid_utf8_json(client):
    response = client.get("/api/health")
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content.decode("utf-8")) == {"status": "ok", "database": "ok"}
