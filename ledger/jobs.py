"""The background job that requests a trusted timestamp (queued by ``ledger.timestamps``)."""

from django.utils.module_loading import import_string

from jobs.errors import Failed, Retryable
from jobs.registry import register
from ledger import tsp

# Only these request functions may be named in a job's payload.
ALLOWED = ("sources.timestamps.", "ledger.timestamps.")


@register("ledger.timestamp", max_attempts=6)
def timestamp(*, job, function: str, args: list) -> dict:
    if not function.startswith(ALLOWED):
        raise Failed(f"{function} is not a timestamp request")
    try:
        import_string(function)(*args)
    except tsp.TimestampError as error:
        # The TSA did not answer or refused: ask again later (30 s, 60 s, 120 s ...).
        raise Retryable(str(error)) from error
    return {"requested": function, "args": args}
