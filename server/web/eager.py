"""Run a coroutine at once, as far as it goes without waiting.

Sending on a socket that is not backed up never waits, so starting the send inline
saves a task and a trip through the event loop for every display of every event.
When it does have to wait, a task carries it on from where it stopped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


def start(coroutine: Coroutine[Any, Any, None]) -> asyncio.Future[None] | None:
    """None when `coroutine` finished (or failed) in one go; else the task finishing it.

    A failure is not raised: a send fails when the peer is gone, which the socket's
    reading side notices and handles.
    """
    try:
        waiting_on = coroutine.send(None)
    except StopIteration:  # done
        return None
    except Exception:  # the peer is gone
        return None
    return asyncio.ensure_future(_carry_on(coroutine, waiting_on))


async def _carry_on(coroutine: Coroutine[Any, Any, None], waiting_on: Any) -> None:
    try:
        while True:
            if waiting_on is None:
                await asyncio.sleep(0)  # a bare yield: give the loop one turn
            else:
                await asyncio.wait([waiting_on])
            waiting_on = coroutine.send(None)  # the awaited future's outcome is read inside
    except StopIteration:
        return
    except asyncio.CancelledError:
        coroutine.close()
        raise
    except Exception:  # the peer is gone; the reading side handles it
        return
