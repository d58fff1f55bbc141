"""Job kinds: a name ("sources.capture") bound to the function that does the work.

Apps declare their kinds in their own ``jobs.py`` with ``@register("app.verb")``; the jobs app
imports every such module when Django starts (jobs.apps), so the web process and the workers
agree on the names. A handler is called as ``handler(job=job, **job.payload)`` and returns a
JSON-serialisable result (a dict).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    handler: Callable
    max_attempts: int | None  # None: settings.JOBS_MAX_ATTEMPTS


_kinds: dict[str, Kind] = {}


def register(name: str, *, max_attempts: int | None = None):
    """Decorator: make ``handler`` the work of jobs of kind ``name``."""

    def decorate(handler: Callable) -> Callable:
        _kinds[name] = Kind(name=name, handler=handler, max_attempts=max_attempts)
        return handler

    return decorate


def get(name: str) -> Kind:
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"No job kind {name!r} is registered (see jobs.registry).") from None
