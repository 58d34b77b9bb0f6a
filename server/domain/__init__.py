"""The queue's rules: sites, tickets and call order. Pure and synchronous, no I/O."""

from loket.server.domain.errors import (
    DomainError,
    IllegalTransition,
    NoCurrentTicket,
    NotFound,
    QueueEmpty,
    QueueFull,
)
from loket.server.domain.queue import Call, SiteQueue
from loket.server.domain.site import Counter, Service, Site
from loket.server.domain.ticket import Status, Ticket

__all__ = [
    "Call",
    "Counter",
    "DomainError",
    "IllegalTransition",
    "NoCurrentTicket",
    "NotFound",
    "QueueEmpty",
    "QueueFull",
    "Service",
    "Site",
    "SiteQueue",
    "Status",
    "Ticket",
]
