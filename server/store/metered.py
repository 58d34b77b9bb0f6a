"""Times every operation of a store into the app's metrics (server/metrics.py): the
commands (issue, call_next, ...) and the reads alike, by the operation's name.

The store itself is instrumented, each public coroutine method replaced on the instance
by a timed one, rather than wrapped in a proxy: it stays the same object, of its own class,
for whoever holds it."""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from loket.server.metrics import Observe

Operation = Callable[..., Awaitable[Any]]
S = TypeVar("S")
UNTIMED = frozenset({"open", "close"})  # once per run: not operations


def metered(store: S, observer: Callable[[str], Observe]) -> S:
    # read from the class: reading the instance's members would run its properties
    for name, _ in inspect.getmembers(type(store), inspect.iscoroutinefunction):
        if not name.startswith("_") and name not in UNTIMED:
            setattr(store, name, _timed(getattr(store, name), observer(name)))
    return store


def _timed(operation: Operation, observe: Observe) -> Operation:
    async def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            result = await operation(*args, **kwargs)
        except Exception as error:  # a cancelled call (its client gone) is not counted
            observe(time.perf_counter() - start, error)
            raise
        observe(time.perf_counter() - start, None)
        return result

    return timed
