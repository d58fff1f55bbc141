from django.apps import AppConfig


class LawConfig(AppConfig):
    """Legal provisions, their elements, and incidents' claims mapped to them."""

    name = "law"
    verbose_name = "Legal provisions and elements"
