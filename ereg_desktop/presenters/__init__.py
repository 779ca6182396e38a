"""Qt-free presenters: the state widgets render, driven by unit tests."""
