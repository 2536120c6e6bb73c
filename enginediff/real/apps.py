from django.apps import AppConfig


class EngineDiffConfig(AppConfig):
    """Holds the test components the differential runs use (components/collections)."""

    name = "enginediff.real"
    label = "enginediff_real"
