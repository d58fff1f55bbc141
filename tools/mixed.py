"""The benchmark's mixed run: readers over random pages while the data changes (issue 21).

Readers (Locust users, back to back) walk a long list of addresses drawn with a Zipf skew, as
real traffic is: a few incidents, sources and filter combinations are read often, most rarely.
Meanwhile a writer in this process saves a *draft* incident every ``draft_every`` seconds and an
editor re-assesses a *public* claim every ``claim_every`` seconds, both through the services,
so the page cache is invalidated as in production. The report gives throughput, percentiles,
the cache hit rate (from the ``X-Page-Cache`` header) overall and by kind of page, and the same
run's ``/health/`` figures for the ratios.
"""

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection
from django.urls import reverse

from cases import services
from cases.models import Category, Claim, Incident, Oblast, VerificationStatus
from core.urls import record_url
from sources.models import Source

# Share of requests per kind of page (they sum to 100).
MIX = {
    "incident": 50,
    "source": 12,
    "list": 25,
    "home": 5,
    "search": 4,
    "api": 4,
}
SEARCH_WORDS = ["drone", "Popasna", "execution", "convoy", "basement", "Bakhmut", "witness"]


def kind_of(url: str) -> str:
    # Pages live under a language prefix (/en/, /uk/); the API does not.
    first, _, rest = url[1:].partition("/")
    if first in dict(settings.LANGUAGES):
        url = "/" + rest
    if url == "/":
        return "home"
    if url.startswith("/api/"):
        return "api"
    if url.startswith("/sources/"):
        return "source"
    if url.startswith("/incidents/?q="):
        return "search"
    if url.startswith("/incidents/?") or url == "/incidents/":
        return "list"
    return "incident"


def _zipf_pick(rng: random.Random, items: list, s: float = 1.1):
    """One item, the i-th (from 1) with weight 1/i**s: the head read often, the tail rarely."""
    weights = _zipf_weights(len(items), s)
    return items[rng.choices(range(len(items)), cum_weights=weights)[0]]


_WEIGHTS: dict[tuple[int, float], list[float]] = {}


def _zipf_weights(n: int, s: float) -> list[float]:
    key = (n, s)
    if key not in _WEIGHTS:
        total, cumulative = 0.0, []
        for i in range(1, n + 1):
            total += 1 / i**s
            cumulative.append(total)
        _WEIGHTS[key] = cumulative
    return _WEIGHTS[key]


def population(*, draws: int, seed: int = 7) -> list[str]:
    """``draws`` addresses with the skew above (the same seed gives the same list)."""
    rng = random.Random(seed)
    home, listing = reverse("cases:home"), reverse("cases:incident_list")
    incidents = list(Incident.objects.public().values_list("slug", flat=True))
    rng.shuffle(incidents)  # popularity unrelated to age
    sources = list(Source.objects.public().values_list("pk", flat=True)[:20000])
    rng.shuffle(sources)
    lists = [listing] + [f"{listing}?page={n}" for n in range(2, 40)]
    for oblast in Oblast.values:
        for category in [""] + Category.values:
            for status in ["", *VerificationStatus.values]:
                query = [f"oblast={oblast}"]
                query += [f"category={category}"] if category else []
                query += [f"status={status}"] if status else []
                lists.append(f"{listing}?" + "&".join(query))
    rng.shuffle(lists[1:])
    searches = [f"{listing}?q={word}" for word in SEARCH_WORDS]
    api = [f"/api/v1/incidents/{slug}/" for slug in incidents[:2000]]
    api += [f"/api/v1/incidents/?page={n}" for n in range(1, 20)]
    by_kind = {
        "incident": [record_url("cases:incident_detail", "slug", slug) for slug in incidents],
        "source": [record_url("sources:source_detail", "pk", pk) for pk in sources],
        "list": lists,
        "home": [home],
        "search": searches,
        "api": api,
    }
    kinds = list(MIX)
    weights = [MIX[kind] for kind in kinds]
    return [_zipf_pick(rng, by_kind[kind]) for kind in rng.choices(kinds, weights=weights, k=draws)]


@dataclass
class Writer:
    """Draft saves and public claim decisions through the services, in a thread."""

    draft_every: float = 2.0
    claim_every: float = 30.0
    drafts_saved: int = 0
    claims_decided: int = 0
    errors: list[str] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        try:
            editor = _bench_editor()
            draft = Incident.objects.filter(status=Incident.Status.DRAFT).order_by("pk").first()
            claims = list(
                Claim.objects.filter(incident__status=Incident.Status.PUBLISHED)
                .order_by("?")
                .values_list("pk", flat=True)[:50]
            )
            started = time.monotonic()
            next_claim = started + self.claim_every
            while not self._stop.wait(self.draft_every):
                if draft is not None:
                    services.incident_update(
                        incident=draft,
                        by=editor,
                        data={"summary": f"Draft saved by the benchmark, {self.drafts_saved}."},
                    )
                    self.drafts_saved += 1
                if claims and time.monotonic() >= next_claim:
                    claim = Claim.objects.get(pk=claims[self.claims_decided % len(claims)])
                    status = "disputed" if claim.status != "disputed" else "verified"
                    services.claim_change_status(
                        claim=claim,
                        status=status,
                        rationale=f"Re-assessed by the benchmark ({self.claims_decided}).",
                        methods=["geolocation"],
                        by=editor,
                    )
                    self.claims_decided += 1
                    next_claim += self.claim_every
        except Exception as error:  # reported, not raised: the readers' figures still stand
            self.errors.append(repr(error))
        finally:
            connection.close()
            close_old_connections()


def _bench_editor():
    """The bench data's editor, made a superuser (bench database only) so every write passes."""
    user, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_staff": True}
    )
    if not user.is_superuser:
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    return user


@dataclass
class MixedResult:
    seconds: float
    users: int
    samples: list = field(default_factory=list)
    health: list = field(default_factory=list)
    writer: Writer | None = None
    prewarmed: int = 0

    @staticmethod
    def _rps(samples) -> float:
        if not samples:
            return 0.0
        span = max(s.end for s in samples) - min(s.start for s in samples)
        return len(samples) / span if span else 0.0

    @property
    def rps(self) -> float:
        return self._rps(self.samples)

    @property
    def health_rps(self) -> float:
        return self._rps(self.health)

    def hit_rates(self) -> dict[str, tuple[int, int]]:
        """Per kind (and "all"): (cache hits, requests answered by the page cache or not)."""
        hits, total = Counter(), Counter()
        for sample in self.samples:
            kind = kind_of(sample.url)
            for key in (kind, "all"):
                total[key] += 1
                hits[key] += sample.cache == "hit"
        return {key: (hits[key], total[key]) for key in total}

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if not 200 <= s.status < 400)
