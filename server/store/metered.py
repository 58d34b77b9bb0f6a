"""A store whose every operation is timed into the app's metrics (server/metrics.py):
the commands (issue, call_next, ...) and the reads alike, by the operation's name."""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

from loket.server.metrics import Observe
from loket.server.store.base import Store

Operation = Callable[..., Awaitable[Any]]


class MeteredStore:
    """Wraps each coroutine method of `store` once, on first use; everything else (the
    `epoch`, say) is the store's own, read through."""

    def __init__(self, store: Store, observer: Callable[[str], Observe]) -> None:
        self._store = store
        self._observer = observer

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._store, name)
        if not inspect.iscoroutinefunction(value) or name in ("open", "close"):
            return value
        timed = _timed(value, self._observer(name))
        setattr(self, name, timed)  # later lookups find it without coming here
        return timed


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
