"""ereg-desktop: keep the eRegistrations systems running from a desktop window."""

__version__ = "0.1.0"
