"""A partner's token kept in the cache is refused on the very next request, on every web server process, once it
is revoked; and with Redis down the API still answers rightly (from the database), only slower.

gunicorn runs with the production settings and two worker processes, a Redis of the test's own and PostgreSQL;
each request names itself (X-Request-ID) so that gunicorn's access log says which worker answered it.
"""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks import stack
from benchmarks.stack import HttpsClient, RedisServer, free_port, manage, wait_for
from tests.factories import build_world, make_strategy
from tests.workflows.conftest import worker_database_url

pytestmark = [pytest.mark.production, pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

LIST = "/api/v1/strategies/"


def poll_many(web, port: int, headers: dict, times: int = 24) -> dict[str, set[int]]:
    """`times` polls at once, each on its own connection: which statuses came back, and from which workers."""

    def one(_):
        request_id = str(uuid.uuid4())
        response = HttpsClient(port).get(LIST, headers=headers | {"X-Request-ID": request_id})
        return request_id, response.status

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(one, range(times)))
    wait_for(lambda: all(f"rid={request_id}" in web.log() for request_id, _ in answers), what="the access log")
    log = web.log()
    by_status: dict[str, set[int]] = {}
    for request_id, status in answers:
        found = re.search(rf"rid={request_id} pid=<?(\d+)", log)
        by_status.setdefault(str(status), set()).add(int(found.group(1)))
    return by_status


def test_a_revoked_token_is_refused_by_every_worker_at_once_and_redis_down_changes_no_answer(tmp_path):
    redis = RedisServer(tmp_path / "redis.log").start()
    port = free_port()
    env = stack.production_env(
        database_url=worker_database_url(),
        redis_url=redis.url,
        port=port,
        static_root=tmp_path / "static",
        WEB_CONCURRENCY="2",
        GUNICORN_MAX_REQUESTS="0",
        API_AUTH_FAILURE_LIMIT="1000",  # the revoked token is refused many times here: 401s, not a lockout
    )
    stack.collect_static(env)
    manage(env, "migrate", "--no-input")
    world = build_world()
    make_strategy(world, reference="MCC-POLLED")
    token = re.search(r"cce_\w+", manage(env, "api_token", "ICB", "--days", "1").stdout).group(0)
    other = re.search(r"cce_\w+", manage(env, "api_token", "RDC", "--days", "1").stdout).group(0)
    web = stack.web(env, tmp_path)
    try:
        api = {"Authorization": f"Token {token}", "Accept": "application/json"}
        first = HttpsClient(port).get(LIST, headers=api)
        assert first.status == 200
        etag = first.headers["ETag"]
        polling = api | {"If-None-Match": etag}

        for _ in range(5):  # until both workers have answered from the kept token
            before = poll_many(web, port, polling)
            if len(before.get("304", set())) == 2:
                break
        assert set(before) == {"304"} and len(before["304"]) == 2, before

        manage(env, "api_token", "ICB", "--revoke-all")  # another process: the administrator's shell
        after = poll_many(web, port, polling)
        assert set(after) == {"401"}, after  # every request after the revocation, whichever worker took it
        assert len(after["401"]) == 2, after

        # Redis stops: tokens are checked in the database, answers are the same (no rate limit meanwhile).
        redis.stop()
        other_api = {"Authorization": f"Token {other}", "Accept": "application/json"}
        listed = HttpsClient(port).get(LIST, headers=other_api)
        assert listed.status == 200
        assert "MCC-POLLED" not in listed.text  # the district is not party to it: scoping holds
        assert HttpsClient(port).get(LIST, headers=other_api | {"If-None-Match": listed.headers["ETag"]}).status == 304
        assert set(poll_many(web, port, polling, times=8)) == {"401"}
        redis.start()
        assert HttpsClient(port).get(LIST, headers=other_api).status == 200
    finally:
        web.stop(timeout=10)
        redis.stop()
