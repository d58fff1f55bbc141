"""The product's settings plus the ``tools`` app, whose management commands drive the tools.

Kept out of ``config.settings`` so that the product never loads, or even knows about, its
benchmark and load-test code.
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tools"]
