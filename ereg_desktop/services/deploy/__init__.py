"""Restart and update of one deployment: the documented procedure as a state machine.

Pure Python, no Qt. A GUI drives :class:`DeployRun` from a worker thread and receives the typed
events of :mod:`.events` through a callback.
"""
