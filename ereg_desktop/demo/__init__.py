"""Stand-ins for the outside services the app talks to, for the embedded demo and the tests.

Standard library only, no Qt, nothing from the rest of the package: a demo (or a test) can start
one beside the real app without pulling in anything else.
"""
