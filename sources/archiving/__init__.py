"""Preserving a cited page: a guarded fetcher, a WACZ packager and (when installed) Chromium.

Nothing here touches the database; sources/captures.py stores what these modules make.
"""
