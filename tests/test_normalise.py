import pytest

from sources.normalise import normalise_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", ""),
        ("   ", ""),
        ("HTTPS://Example.ORG/News/Story", "https://example.org/News/Story"),
        ("https://example.org/story/", "https://example.org/story"),
        ("https://example.org/", "https://example.org"),
        ("https://example.org:443/a", "https://example.org/a"),
        ("http://example.org:8080/a", "http://example.org:8080/a"),
        ("https://example.org/a#comments", "https://example.org/a"),
        (
            "https://example.org/a?utm_source=x&utm_Medium=y&fbclid=1&gclid=2&igshid=3&ref_src=t",
            "https://example.org/a",
        ),
        (
            "https://example.org/watch?v=abc&t=10&utm_campaign=z",
            "https://example.org/watch?t=10&v=abc",
        ),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
        ("https://example.org/a?flag=", "https://example.org/a?flag="),
    ],
)
def test_normalise_url(url, expected):
    assert normalise_url(url) == expected


def test_variants_of_one_address_normalise_alike():
    variants = [
        "https://www.example.org/news/2024/11/pow-execution",
        "HTTPS://WWW.EXAMPLE.ORG/news/2024/11/pow-execution/",
        "https://www.example.org/news/2024/11/pow-execution?utm_source=twitter#top",
    ]
    assert len({normalise_url(url) for url in variants}) == 1
