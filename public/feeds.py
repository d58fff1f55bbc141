"""Atom feeds of public incidents and of claim status changes. Public data only.

Links are built from settings.SITE_URL (absolute links are kept as they are by the syndication
framework), so the feeds need neither django.contrib.sites nor the request's host.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from cases.models import ClaimStatusChange, Incident
from core.text import printable_data

FEED_LENGTH = 50


class PrintableAtom1Feed(Atom1Feed):
    """Atom, without the characters XML 1.0 cannot carry.

    Input refuses them (core.text), but text stored before that rule would otherwise make the
    feed answer 500 for everyone: Django's XML writer raises on the first one.
    """

    def add_item(self, title, link, description, **kwargs):
        kwargs = printable_data(kwargs)
        super().add_item(printable_data(title), link, printable_data(description), **kwargs)


class IncidentFeed(Feed):
    """Published and updated incidents, newest change first; retractions say so in the title."""

    feed_type = PrintableAtom1Feed
    description_template = None

    def title(self):
        return _("%(site)s: incidents") % {"site": settings.SITE_NAME}

    def subtitle(self):
        return _("Published incidents, with every update and retraction.")

    def link(self):
        return settings.SITE_URL + reverse("cases:incident_list")

    def feed_url(self):
        return settings.SITE_URL + reverse("feeds:incidents")

    def author_name(self):
        return settings.SITE_NAME

    def items(self):
        return Incident.objects.public().order_by("-updated_at", "-pk")[:FEED_LENGTH]

    def item_title(self, item: Incident) -> str:
        if item.status == Incident.Status.RETRACTED:
            return _("Retracted: %(title)s") % {"title": item.localized_title}
        # The reader's language when translated (Accept-Language or ?lang=), else the original.
        return str(item.localized_title)

    def item_description(self, item: Incident) -> str:
        parts = [item.date_display, item.place_name, str(item.localized_summary)]
        if item.status == Incident.Status.RETRACTED:
            parts.insert(0, _("Retraction notice: %(note)s") % {"note": item.retraction_note})
        return "\n\n".join(part for part in parts if part)

    def item_link(self, item: Incident) -> str:
        return settings.SITE_URL + item.get_absolute_url()

    def item_pubdate(self, item: Incident):
        return item.published_at

    def item_updateddate(self, item: Incident):
        return item.updated_at

    def item_categories(self, item: Incident):
        return [item.get_category_display()]


class ClaimChangeFeed(Feed):
    """Changes of claims' verification status on public incidents: from → to, why, when."""

    feed_type = PrintableAtom1Feed

    def title(self):
        return _("%(site)s: claim status changes") % {"site": settings.SITE_NAME}

    def subtitle(self):
        return _("Every change of a claim's verification status, with the rationale.")

    def link(self):
        return settings.SITE_URL + reverse("cases:about_verification")

    def feed_url(self):
        return settings.SITE_URL + reverse("feeds:claims")

    def author_name(self):
        return settings.SITE_NAME

    def items(self):
        return (
            ClaimStatusChange.objects.filter(claim__incident__in=Incident.objects.public())
            .select_related("claim__incident")
            .order_by("-changed_at", "-pk")[:FEED_LENGTH]
        )

    def item_title(self, item: ClaimStatusChange) -> str:
        return f"{item.get_from_status_display()} → {item.get_to_status_display()}: {item.claim}"

    def item_description(self, item: ClaimStatusChange) -> str:
        methods = ", ".join(str(label) for label in item.method_labels)
        parts = [
            _("Claim: %(text)s") % {"text": item.claim.localized_text},
            _("Incident: %(title)s") % {"title": item.claim.incident.title},
            _("Rationale: %(text)s") % {"text": item.rationale} if item.rationale else "",
            _("Methods: %(methods)s") % {"methods": methods} if methods else "",
        ]
        return "\n\n".join(part for part in parts if part)

    def item_link(self, item: ClaimStatusChange) -> str:
        return settings.SITE_URL + item.claim.get_absolute_url()

    def item_guid(self, item: ClaimStatusChange) -> str:
        # One claim changes more than once: its link alone would not identify the entry.
        return f"{settings.SITE_URL}{reverse('feeds:claims')}#change-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: ClaimStatusChange):
        return item.changed_at
