"""Users in Redis: one hash field per user (keys.users()), a JSON record.

A record holds "role", "counters", "hash", "created" and, since sessions can be ended,
"disabled" and "stamp"; a record of an earlier release lacks the last two (then: enabled,
stamp ""). Each session keeps the stamp its user had when it began, and counts only while
the user's stamp is still that one: a new password or disabling gives the user a new stamp,
which ends every session at once (old ones included), without finding them; they expire
by themselves. A change is checked and made in one WATCH/MULTI transaction, and announced
on keys.users_channel() so that every process forgets the sessions it remembers.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import WatchError

from loket.server.protocol import dumps
from loket.server.store.redis import keys
from loket.server.store.rows import counters_text, user_from_row
from loket.server.users import User, UserChange, keep_an_admin


def new_stamp() -> str:
    return secrets.token_hex(8)


def parse(username: str, text: str | bytes) -> tuple[User, dict[str, Any]]:
    """A stored record: the user, and the record itself (its "hash" and "stamp")."""
    body = json.loads(text)
    user = user_from_row(username, body["role"], body["counters"], body.get("disabled", False))
    return user, body


def record(user: User, password_hash: str, created: str, stamp: str) -> str:
    body: dict[str, object] = {"role": user.role.value, "counters": counters_text(user)}
    body["hash"] = password_hash
    body |= {"created": created, "disabled": user.disabled, "stamp": stamp}
    return dumps(body)


def stamp_of(body: dict[str, Any]) -> str:
    return str(body.get("stamp", ""))


async def change(client: Redis, username: str, what: UserChange | None) -> User | None:
    """Change the user (`what` None: delete it); None when there is no such user. Tried
    again if another process changed a user meanwhile."""
    async with client.pipeline(transaction=True) as pipe:
        while True:
            try:
                await pipe.watch(keys.users())
                found = await pipe.hgetall(keys.users())
                users = {str(name): parse(str(name), text) for name, text in found.items()}
                if username not in users:
                    return None
                before, body = users[username]
                after = None if what is None else what.apply(before)
                keep_an_admin((user for user, _ in users.values()), before, after)
                pipe.multi()
                if what is None or after is None:
                    pipe.hdel(keys.users(), username)
                else:
                    stamp = new_stamp() if what.ends_sessions else stamp_of(body)
                    password_hash = what.password_hash or body["hash"]
                    pipe.hset(
                        keys.users(),
                        username,
                        record(after, password_hash, body.get("created", ""), stamp),
                    )
                pipe.publish(keys.users_channel(), username)
                await pipe.execute()
                return after if after is not None else before
            except WatchError:
                continue
