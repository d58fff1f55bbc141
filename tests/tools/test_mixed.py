"""The benchmark's mixed run (issue 21): what its readers ask for, and the generator's tallies."""

import pytest

from cases.models import Incident
from public import tallies
from tools import mixed
from tools.data import generate

pytestmark = pytest.mark.django_db


def test_readers_ask_for_public_pages_only_with_a_skew():
    generate(incidents=40, seed=3, heavy=0, heavy_size=0)
    urls = mixed.population(draws=2000)
    drafts = Incident.objects.exclude(status__in=Incident.PUBLIC_STATUSES)
    assert drafts.exists()
    asked = set(urls)
    assert not any(draft.get_absolute_url() in asked for draft in drafts)
    kinds = {mixed.kind_of(url) for url in urls}
    assert kinds == set(mixed.MIX)
    # Skewed: the most read address is read far more often than the median one.
    counts = sorted((urls.count(url) for url in asked), reverse=True)
    assert counts[0] > 5 * counts[len(counts) // 2]


def test_generated_data_comes_with_its_home_page_tallies():
    generate(incidents=30, seed=5, heavy=0, heavy_size=0)
    assert tallies.counts() == tallies.recount()
    assert sum(tallies.counts().values()) > 0
