"""The embedded demo (``ereg-desktop --demo``) and stand-ins for the outside services the app
talks to, for the demo and the tests.

No Qt and nothing from the rest of the package: the stand-ins (GitHub, pm2 and its app) are
standard library only; the demo's SSH server uses paramiko, the app's own dependency.
``session.start_demo`` starts the whole demo, ``DemoSession.stop`` ends it.
"""
