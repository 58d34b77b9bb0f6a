"""The JSON Schemas of the API's bodies (CONTRACT sections 3, 4 and 6), each named once:
operations refer to them as `ref("Ticket")`. Objects stay open to new fields (the contract
grows by adding); what a client relies on is `required`."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
TIME: Schema = {"type": "string", "format": "date-time"}
NUMBER: Schema = {"type": "number"}
COUNT: Schema = {"type": "integer", "minimum": 0}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """An object with these fields (`optional` ones may be missing); others may follow."""
    return {
        "type": "object",
        "properties": {**required, **(optional or {})},
        "required": list(required),
    }


def closed(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """A request body: exactly these fields, so that a generated body is a meaningful one."""
    return {**obj(required, optional), "additionalProperties": False}


STATUS = {"type": "string", "enum": ["waiting", "called", "done", "no_show", "held"]}
WAITING: Schema = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
TEXTS: Schema = {"type": "object", "additionalProperties": STRING}  # by language code
ROLE = {"type": "string", "enum": ["admin", "supervisor", "staff"]}
GRADE = {"type": "string", "enum": ["A", "B", "C", "D"]}  # the SKM's mutu pelayanan
TICKET_ID = "^[A-Za-z0-9_-]{8,64}$"
SCORE = {"type": "integer", "minimum": 1, "maximum": 4}  # CONTRACT 6.4
TICKET: dict[str, Schema] = {
    "ref": STRING,
    "number": {"type": "string", "pattern": "[0-9]{3}$"},
    "service": STRING,
    "status": STATUS,
    "priority": BOOLEAN,
    "issued_at": TIME,
    "called_at": nullable(TIME),
    "counter": nullable(STRING),
    "recalls": {"type": "integer", "minimum": 0},
}
TICKET_OPTIONAL: dict[str, Schema] = {
    "lang": nullable(STRING),
    "for_counter": STRING,  # CONTRACT 6.5: waiting for this counter only
    "ahead_at": TIME,  # CONTRACT 6.5: sent to the head of its line then
}

COUNTER_STATE: dict[str, Schema] = {
    "counter": STRING,
    "status": {"type": "string", "enum": ["open", "paused", "closed"]},
    "services": array(STRING),
    "since": TIME,
}

SCHEMAS: dict[str, Schema] = {
    "Error": obj(
        {"error": obj({"code": {"type": "string", "pattern": "^[a-z_]+$"}, "message": STRING})}
    ),
    "Status": obj({"status": {"const": "ok"}}),
    "Site": obj(
        {
            "id": {"type": "string", "pattern": "^[a-z0-9-]+$"},
            "name": TEXTS,
            "languages": array(STRING),
            "services": array(obj({"id": STRING, "name": TEXTS})),
            "counters": array(obj({"id": STRING, "name": TEXTS, "services": array(STRING)})),
        },
        {"timezone": STRING},
    ),
    # the running text per language: the site file's, the admin's override, what is shown
    "Ticker": obj({"site": STRING, "file": TEXTS, "edited": TEXTS, "shown": TEXTS}),
    # CONTRACT 6.1: a Ticket names itself by `ref`; its `id` is its holder's secret, only
    # in the answers to the holder (OwnTicket), never anywhere else
    "Ticket": {**obj(TICKET, TICKET_OPTIONAL), "not": {"required": ["id"]}},
    "OwnTicket": obj({**TICKET, "id": {"type": "string", "pattern": TICKET_ID}}, TICKET_OPTIONAL),
    "Estimate": obj({"low_min": INTEGER, "high_min": INTEGER}),
    "Segment": obj({"lang": STRING, "text": STRING, "url": STRING}),
    "Announcement": obj(
        {"start_at": INTEGER, "segments": array(ref("Segment"))}, {"chime": nullable(STRING)}
    ),
    "Call": obj({"ticket": ref("Ticket"), "counter": STRING, "recall": INTEGER}),
    "Snapshot": obj(
        {
            "v": {"const": 1},
            "type": {"const": "snapshot"},
            "epoch": STRING,
            "seq": {"type": "integer", "minimum": 0},
            "ts": TIME,
            "data": obj(
                {
                    "now_serving": array(obj({"counter": STRING, "ticket": ref("Ticket")})),
                    "recent": array(ref("Call")),
                    "waiting": WAITING,
                },
                {
                    "held": WAITING,  # CONTRACT 6.5: per counter holding some
                    "counters": array(ref("CounterState")),  # CONTRACT 6.2
                },
            ),
        }
    ),
    # CONTRACT 6.2: public (displays, state) without who set it; for staff with it
    "CounterState": {
        **obj(COUNTER_STATE, {"reason": nullable(STRING)}),
        "not": {"required": ["user"]},
    },
    "StaffCounterState": obj(
        {**COUNTER_STATE, "user": nullable(STRING)}, {"reason": nullable(STRING)}
    ),
    "CounterResult": obj(
        {"ticket": ref("Ticket"), "seq": {"type": "integer", "minimum": 1}},
        {"counter": ref("StaffCounterState")},  # a call that opened the counter first
    ),
    "CounterStatusResult": obj(
        {"counter": ref("StaffCounterState"), "seq": {"type": "integer", "minimum": 1}}
    ),
    # CONTRACT 6.5: a counter's line
    "CounterQueue": obj(
        {
            "current": nullable(ref("Ticket")),
            "waiting": array(
                {"allOf": [ref("Ticket"), obj({"waited_s": {"type": "number", "minimum": 0}})]}
            ),
            "held": array(ref("Ticket")),
        },
        {"counter": ref("StaffCounterState")},  # CONTRACT 6.2
    ),
    "Live": obj(  # CONTRACT 6.3; `site` and `at` (when the figures were read) are additions
        {
            "counters": array(
                obj(
                    {
                        "counter": STRING,
                        "status": {"enum": ["open", "paused", "closed"]},
                        "user": nullable(STRING),
                        "current": nullable(ref("Ticket")),
                        "serving_s": nullable(NUMBER),
                        "served_today": INTEGER,
                    }
                )
            ),
            "services": array(
                obj(
                    {
                        "service": STRING,
                        "waiting": INTEGER,
                        "longest_wait_s": nullable(NUMBER),
                        "target_wait_s": nullable(NUMBER),
                        "over_target": INTEGER,
                    }
                )
            ),
            "today": nullable(ref("Row")),
        },
        {"site": STRING, "at": TIME},
    ),
    "User": obj(
        {"username": STRING, "role": ROLE, "counters": nullable(array(STRING))},
        {"disabled": BOOLEAN},  # CONTRACT 6.6
    ),
    "Display": obj(
        {
            "id": STRING,
            "connected": BOOLEAN,
            "first_seen": TIME,
            "last_seen": TIME,
            "stale": BOOLEAN,
        },
        {
            name: nullable(STRING)
            for name in (
                "name",
                "page",
                "zone",
                "counter",
                "screen",
                "version",
                "lang",
                "audio",
                "epoch",
            )
        }
        | {"seq": nullable(INTEGER), "lagging": BOOLEAN},
    ),
    # CONTRACT 6.3: a report and its rows
    "Stats": obj({name: NUMBER for name in ("avg", "p50", "p90", "max")}),
    "Row": obj(
        {
            "key": STRING,
            **{name: COUNT for name in ("issued", "called", "served", "no_show", "transferred")},
            "wait_s": nullable(ref("Stats")),
            "service_s": nullable(ref("Stats")),
            "within_target": nullable({"type": "number", "minimum": 0, "maximum": 1}),
            "rating": nullable(obj({"count": COUNT, "avg": NUMBER, "ikm": NUMBER})),
        }
    ),
    "Report": obj(
        {
            "site": STRING,
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "by": STRING,
            "rows": array(ref("Row")),
            "total": ref("Row"),
        }
    ),
    "Kiosk": obj(
        {"id": STRING, "name": STRING},
        {"created_at": TIME, "last_used_at": nullable(TIME), "counter": nullable(STRING)},
    ),
    "Rating": obj(
        {
            "ref": STRING,
            "score": SCORE,
            "comment": nullable(STRING),
            "answers": {"type": "object", "additionalProperties": SCORE},
            "at": TIME,
            "by": {"type": "string", "enum": ["holder", "desk"]},
            "counter": nullable(STRING),
        }
    ),
    # issue 18: the satisfaction report (docs/skm.md)
    "Scores": obj({"count": COUNT, "avg": NUMBER, "ikm": NUMBER, "grade": GRADE}),
    "SurveyElement": obj(
        {
            "id": {"type": "string", "pattern": "^U[1-9]$"},
            "name": STRING,
            "count": COUNT,
            "sum": COUNT,
            "avg": nullable(NUMBER),
            "weighted": nullable(NUMBER),
            "ikm": nullable(NUMBER),
            "grade": nullable(GRADE),
            "lowest": BOOLEAN,
        }
    ),
    "Survey": obj(
        {
            "respondents": COUNT,
            "ikm": NUMBER,
            "grade": GRADE,
            "elements": array(ref("SurveyElement"), minItems=9, maxItems=9),
        }
    ),
    "SatisfactionGroup": obj(
        {"key": STRING, "ratings": nullable(ref("Scores")), "survey": nullable(ref("Survey"))}
    ),
    "Satisfaction": obj(
        {
            "site": STRING,
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "ratings": nullable(ref("Scores")),
            "desk": nullable(ref("Scores")),
            "phone": nullable(ref("Scores")),
            "survey": nullable(ref("Survey")),
            "by": obj(
                {
                    by: array(ref("SatisfactionGroup"))
                    for by in ("service", "counter", "user", "day")
                }
            ),
            "comments": obj(
                {
                    "total": COUNT,
                    "items": array(
                        obj(
                            {
                                "score": {"type": "integer", "minimum": 1, "maximum": 4},
                                "comment": STRING,
                                "service": STRING,
                                "counter": nullable(STRING),
                                "at": TIME,
                            }
                        )
                    ),
                }
            ),
        }
    ),
}
