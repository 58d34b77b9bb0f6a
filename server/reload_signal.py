"""`kill -HUP` on `loket serve`: read the site file again (server/hall.py). The answer has
nobody to go to, so it is logged: what changed, or why nothing did."""

from __future__ import annotations

import asyncio
import logging

from loket.server.domain.errors import DomainError
from loket.server.errors import ServiceError
from loket.server.service import LoketService
from loket.server.store import StoreUnavailable

log = logging.getLogger("loket")


class SignalReloads:
    def __init__(self, service: LoketService) -> None:
        self.service = service
        self.task: asyncio.Task[None] | None = None

    def asked(self) -> None:
        """The signal handler: one reload at a time (signals during one join it)."""
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.reload())

    async def reload(self) -> None:
        log.info("SIGHUP: reading the site file again")
        try:
            await self.service.hall.reload()  # logs what changed
        except (ServiceError, DomainError) as refused:
            log.error("SIGHUP: the site file was not taken, nothing changed: %s", refused.message)
        except StoreUnavailable as error:
            log.error("SIGHUP: the site file was not taken, nothing changed: %s", error)
        except Exception:  # a bug: said, and the server serves on with its sites
            log.exception("SIGHUP: the site file was not taken")
