"""Redis's own order of a waiting line's members is the domain's call order."""

from __future__ import annotations

import itertools

import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loket.server.domain.ticket import Ticket
from loket.server.store.redis.records import ORDER_WIDTH, member
from tests.support.redis import RedisServer
from tests.unit.test_numbers import TICKETS

KEYS = itertools.count()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TICKETS, min_size=2, max_size=25, unique_by=lambda t: t.serial))
def test_a_sorted_set_orders_members_as_order_key(
    redis_server: RedisServer, tickets: list[Ticket]
) -> None:
    client = redis.Redis.from_url(redis_server.url(), decode_responses=True)
    key = f"test:order:{next(KEYS)}"
    try:
        client.zadd(key, {member(ticket): 0 for ticket in tickets})  # as command.lua does
        by_id = {ticket.id: ticket for ticket in tickets}
        in_redis = [by_id[found[ORDER_WIDTH:]] for found in client.zrange(key, 0, -1)]
        assert in_redis == sorted(tickets, key=lambda t: t.order_key)
    finally:
        client.delete(key)
        client.close()
