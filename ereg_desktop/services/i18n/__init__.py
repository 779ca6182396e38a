"""Translations: the ``i18n-messages.json`` file model, its diff, the checks, the review bundle.

Plain Python, no Qt, no network: the viewer (``ui/translations/``), the update's review phases
(``services/deploy/``) and the CLI (``ereg-desktop translations``) are built on it.
"""
