"""One open request per person and command, decided in the real Redis: concurrent identical
commands make one request, an ended request frees its command, and the door fails fast."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from bot.approval_store import ApprovalStore
from bot.open_requests import CHECKING_SECONDS, OpenRequests, door_client
from bot.request_store import RequestRecord, RequestStore
from commands.approval import ApprovalState
from commands.events import JOB_STREAM, JobEvent

COMMAND = 'add-user acme "Jane Doe"'


@pytest.fixture
def client(redis_url):
    return redis.Redis.from_url(redis_url)


def _save(client, request_id: str, state: str) -> None:
    RequestStore(client).save(RequestRecord(request_id, "U1", "C1", COMMAND, "acme",
                                            {"steps": []}, state=state))


def test_of_many_identical_commands_at_once_exactly_one_claims_and_the_rest_see_it(client):
    open_requests, start = OpenRequests(client), threading.Barrier(20)
    found: dict[str, object] = {}

    def claim(n: int) -> None:
        start.wait()
        found[f"r-{n}"] = open_requests.claim("U1", COMMAND, f"r-{n}", time.time())

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [rid for rid, earlier in found.items() if earlier is None]
    assert len(winners) == 1
    assert {earlier.request_id for earlier in found.values() if earlier} == set(winners)
    assert {earlier.state for earlier in found.values() if earlier} == {"being checked"}


def test_another_person_or_another_command_is_not_the_same(client):
    open_requests = OpenRequests(client)
    assert open_requests.claim("U1", COMMAND, "r-1", time.time()) is None
    assert open_requests.claim("U2", COMMAND, "r-2", time.time()) is None
    assert open_requests.claim("U1", 'add-user acme "John Doe"', "r-3", time.time()) is None


@pytest.mark.parametrize("state, job_event, still_open", [
    ("queued", None, "queued"),
    ("queued", "started", "running"),
    ("queued", "succeeded", None),     # done; the notifier has not caught up yet
    ("succeeded", None, None),
    ("failed", None, None),
    ("undone", None, None),
    ("posting", None, "being posted"),
    ("posted", None, "being posted"),
    ("not_posted", None, None),        # Slack did not show it: not run, the requester told
])
def test_a_saved_request_is_open_while_queued_or_running_and_frees_its_command_when_it_ends(
        client, state, job_event, still_open):
    open_requests, asked = OpenRequests(client), time.time() - 40
    assert open_requests.claim("U1", COMMAND, "r-first", asked) is None
    _save(client, "r-first", state)
    open_requests.keep("U1", COMMAND, "r-first", asked)
    if job_event:
        client.xadd(JOB_STREAM.format(request_id="r-first"),
                    {"event": JobEvent("r-first", job_event).to_json()})

    earlier = open_requests.claim("U1", COMMAND, "r-second", time.time())
    if still_open:
        assert (earlier.request_id, earlier.state) == ("r-first", still_open)
        assert round(earlier.asked_at) == round(asked)
    else:
        assert earlier is None
        assert open_requests.claim("U1", COMMAND, "r-third", time.time()).request_id == "r-second"


def test_a_request_left_being_posted_by_a_dead_bot_frees_its_command_in_the_end(client):
    open_requests, asked = OpenRequests(client), time.time() - CHECKING_SECONDS - 1
    open_requests.claim("U1", COMMAND, "r-first", asked)
    _save(client, "r-first", "posted")
    assert open_requests.claim("U1", COMMAND, "r-second", time.time()) is None


@pytest.mark.parametrize("status, expires_in, still_open", [
    ("pending", 3600, "waiting for approval"), ("pending", -1, None), ("rejected", 3600, None),
    ("withdrawn", 3600, None)])
def test_a_request_waiting_for_approval_is_open_until_it_is_decided_or_expires(
        client, status, expires_in, still_open):
    open_requests, asked = OpenRequests(client), time.time()
    open_requests.claim("U1", COMMAND, "r-first", asked)
    _save(client, "r-first", "pending_approval")
    ApprovalStore(client).create(ApprovalState("r-first", "U1", COMMAND, "add-user", "acme", "f",
                                               expires_at=time.time() + expires_in, status=status))
    earlier = open_requests.claim("U1", COMMAND, "r-second", time.time())
    assert (earlier and earlier.state) == still_open


def test_only_the_holder_frees_the_command(client):
    open_requests, asked = OpenRequests(client), time.time()
    open_requests.claim("U1", COMMAND, "r-first", asked)
    open_requests.release("U1", COMMAND, "r-other", asked)       # not the holder: nothing freed
    assert open_requests.claim("U1", COMMAND, "r-second", time.time()).request_id == "r-first"
    open_requests.release("U1", COMMAND, "r-first", asked)       # refused before it was saved
    assert open_requests.claim("U1", COMMAND, "r-second", time.time()) is None


def test_the_door_client_fails_at_once_when_redis_is_down(tmp_path):
    from tobitbot.servers.redis import RedisServer

    server = RedisServer(tmp_path / "redis").start()
    door = door_client(redis.Redis.from_url(server.url, socket_timeout=10))
    assert door.ping()
    server.stop()
    with pytest.raises(redis.ConnectionError):
        door.set("tobitbot:seen:trigger:x", "1", nx=True, ex=60)
    # one immediate retry, not redis-py's default of three backing off for up to 14 s
    assert door.get_retry().get_retries() == 1
    assert door.connection_pool.connection_kwargs["socket_connect_timeout"] <= 1
