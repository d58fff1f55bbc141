"""The transparency log's tables. Rows are written only by ``ledger.log`` and never changed.

The log knows no record of the case tracker: an entry is a canonical JSON document, a
``subject`` naming what it records ("claimstatuschange:12") and a ``scope`` naming where a
reader meets it ("incident:3"), so pages can link their history to the log.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnlyQuerySet


class LogEntry(models.Model):
    """One leaf of the Merkle tree: ``payload`` is the exact canonical JSON that was hashed."""

    index = models.PositiveBigIntegerField(_("index"), primary_key=True)
    subject = models.CharField(_("subject"), max_length=100, unique=True)
    scope = models.CharField(_("scope"), max_length=100, db_index=True)
    payload = models.TextField(_("entry"))
    leaf_hash = models.CharField(_("leaf hash"), max_length=64)
    logged_at = models.DateTimeField(_("logged at"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["index"]
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")

    def __str__(self):
        return f"#{self.index} {self.subject}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("ledger:entry", args=[self.index])


class TreeHead(models.Model):
    """A signed tree head: size, root and time, signed with the log's Ed25519 key.

    ``signature`` covers the TreeHeadSignature bytes of RFC 6962 section 3.5 (version 0,
    signature type 1, timestamp in milliseconds, tree size, root hash).
    """

    tree_size = models.PositiveBigIntegerField(_("tree size"), primary_key=True)
    root_hash = models.CharField(_("root hash"), max_length=64)
    timestamp_ms = models.PositiveBigIntegerField(_("timestamp (ms)"))
    signature = models.CharField(_("signature"), max_length=200)
    key_id = models.CharField(_("key id"), max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["tree_size"]
        verbose_name = _("signed tree head")

    def __str__(self):
        return f"{self.tree_size} {self.root_hash}"


class LogState(models.Model):
    """The one row every append locks: the size and the frontier (the roots of the perfect
    subtrees, largest first), so an append costs O(log n) hashes."""

    size = models.PositiveBigIntegerField(default=0)
    frontier = models.JSONField(default=list)  # [[subtree size, hex root], ...]

    class Meta:
        verbose_name = _("log state")

    def __str__(self):
        return f"log of {self.size}"


class Timestamp(models.Model):
    """An RFC 3161 timestamp of a SHA-256 digest: the TSA's whole response, as received.

    ``subject`` names what was stamped ("sourcefile:3", "custody:12", "treehead:40").
    """

    subject = models.CharField(_("subject"), max_length=100, unique=True)
    sha256 = models.CharField(_("SHA-256 stamped"), max_length=64)
    response = models.BinaryField(_("TimeStampResp (DER)"))
    gen_time = models.DateTimeField(_("time stamped"))
    tsa_name = models.CharField(_("time-stamping authority"), max_length=500)
    tsa_url = models.URLField(_("TSA address"), max_length=500)
    requested_at = models.DateTimeField(_("requested at"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("timestamp")

    def __str__(self):
        return f"{self.subject} at {self.gen_time:%Y-%m-%d %H:%M:%S}"
