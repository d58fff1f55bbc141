"""The public transparency log: the explanation page, entries, signed tree heads and proofs.

Everything here is public: the log holds only what readers were told. Bad input is a 400 that
says what was wrong; a log whose stored entries are missing answers 503 ("damaged"), never 500.
"""

import base64
import json
import re

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ledger import log, signing, timestamps
from ledger.models import LogEntry, Timestamp

PAGE_SIZE = 1000
_DIGITS = re.compile(r"[0-9]{1,18}")


class BadQuery(Exception):
    pass


def _number(request, name: str, *, default: int | None = None) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        if default is None:
            raise BadQuery(_("Give %(name)s as a whole number.") % {"name": name})
        return default
    if not _DIGITS.fullmatch(raw):  # ASCII digits only: "²".isdigit() is True
        raise BadQuery(
            _("%(name)s must be a whole number, not %(raw)r.") % {"name": name, "raw": raw}
        )
    return int(raw)


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _damaged() -> JsonResponse:
    return _error(_("The log is damaged: stored entries are missing. Nothing can be proven."), 503)


def _links(request) -> dict:
    return {
        "tree_head": request.build_absolute_uri(reverse("ledger:tree_head")),
        "entries": request.build_absolute_uri(reverse("ledger:entries")),
        "inclusion_proof": request.build_absolute_uri(reverse("ledger:inclusion")),
        "consistency_proof": request.build_absolute_uri(reverse("ledger:consistency")),
    }


@require_safe
def tree_head(request):
    try:
        tree_size = _number(request, "tree_size", default=-1)
    except BadQuery as error:
        return _error(str(error))
    found = log.head(None if tree_size < 0 else tree_size)
    if found is None:
        return _error(_("This log has no tree head of size %(size)d.") % {"size": tree_size}, 404)
    return JsonResponse({**found.as_json(), **_head_timestamp(found), "links": _links(request)})


def _head_timestamp(head) -> dict:
    """The head's RFC 3161 token when it was stamped (of SHA-256 of the signed message), and
    the size of the latest stamped head."""
    stamp = Timestamp.objects.filter(subject=timestamps.tree_head_subject(head.tree_size)).first()
    latest = Timestamp.objects.filter(subject__startswith="treehead:").order_by("-pk").first()
    found = {"latest_timestamped_tree_size": int(latest.subject.split(":")[1]) if latest else None}
    if stamp is not None:
        found["rfc3161_timestamp"] = {
            "sha256_of_signed_message": stamp.sha256,
            "time": stamp.gen_time.isoformat(),
            "tsa": stamp.tsa_name,
            "response_der_base64": base64.b64encode(bytes(stamp.response)).decode(),
        }
    return found


@require_safe
def entries(request):
    try:
        start = _number(request, "start", default=0)
        end = _number(request, "end", default=start + PAGE_SIZE)
    except BadQuery as error:
        return _error(str(error))
    if end < start:
        return _error(_("end must not be smaller than start."))
    end = min(end, start + PAGE_SIZE)
    rows = LogEntry.objects.filter(index__gte=start, index__lt=end).order_by("index")
    return JsonResponse({"start": start, "entries": [log.entry_json(e) for e in rows]})


@require_safe
def entry_json(request, index: int):
    entry = get_object_or_404(LogEntry, index=index)
    return JsonResponse(log.entry_json(entry))


@require_safe
def inclusion(request):
    try:
        index = _number(request, "index")
        tree_size = _number(request, "tree_size", default=log.size())
    except BadQuery as error:
        return _error(str(error))
    if tree_size > log.size() or index >= tree_size:
        return _error(
            _("There is no entry %(index)d in a tree of %(size)d entries (the log has %(now)d).")
            % {"index": index, "size": tree_size, "now": log.size()}
        )
    try:
        return JsonResponse(log.inclusion(index=index, tree_size=tree_size))
    except log.LogDamaged:
        return _damaged()


@require_safe
def consistency(request):
    try:
        first = _number(request, "first")
        second = _number(request, "second", default=log.size())
    except BadQuery as error:
        return _error(str(error))
    if first > second or second > log.size():
        return _error(
            _("first must be at most second, and second at most the log's size (%(now)d).")
            % {"now": log.size()}
        )
    try:
        return JsonResponse(log.consistency(first=first, second=second))
    except log.LogDamaged:
        return _damaged()


@require_safe
def overview(request):
    latest = log.head()
    recent = LogEntry.objects.order_by("-index")[:20]
    return render(
        request,
        "ledger/transparency.html",
        {
            "head": latest.as_json(),
            "public_key_pem": signing.public_key_pem(),
            "recent": [(e, _summary(e)) for e in recent],
            "links": _links(request),
        },
    )


@require_safe
def entry_page(request, index: int):
    entry = get_object_or_404(LogEntry, index=index)
    latest = log.head()
    try:
        proof = log.inclusion(index=entry.index, tree_size=latest.tree_size)
    except log.LogDamaged:
        raise Http404(_("The log is damaged.")) from None
    return render(
        request,
        "ledger/entry.html",
        {
            "entry": entry,
            "pretty": json.dumps(json.loads(entry.payload), indent=2, ensure_ascii=False),
            "head": latest.as_json(),
            "proof": proof,
            "proof_url": reverse("ledger:inclusion")
            + f"?index={entry.index}&tree_size={latest.tree_size}",
        },
    )


def _summary(entry: LogEntry) -> str:
    payload = json.loads(entry.payload)
    return f"{payload.get('kind', '')} {entry.scope} {payload.get('at', '')}"
