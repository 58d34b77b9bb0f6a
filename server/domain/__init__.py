"""The queue's rules: sites, tickets and call order. Pure and synchronous, no I/O."""

from server.domain.errors import (
    DomainError,
    IllegalTransition,
    NoCurrentTicket,
    NotFound,
    QueueEmpty,
)
from server.domain.queue import Call, SiteQueue
from server.domain.site import Counter, Service, Site
from server.domain.ticket import Status, Ticket

__all__ = [
    "Call",
    "Counter",
    "DomainError",
    "IllegalTransition",
    "NoCurrentTicket",
    "NotFound",
    "QueueEmpty",
    "Service",
    "Site",
    "SiteQueue",
    "Status",
    "Ticket",
]
