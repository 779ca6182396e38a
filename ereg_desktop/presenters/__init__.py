"""What the windows show, as plain Python: state folded from services' results and events,
texts, and policies (may it close? what does Cancel do now?). No Qt here, so unit tests drive
them with event sequences; the widgets in ``ui/`` only render them."""
