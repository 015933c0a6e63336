"""The request being served, for code that records who did what (the event log)."""

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
