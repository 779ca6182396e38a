"""GitHub for the translations pull request (PyGithub underneath; no Qt)."""
