"""The translation review viewer: a table model over the review's rows, a delegate that paints
the word diff, chips and invisibles, the widget around them, the data-file diffs and the dialog
that gives the verdict. What is shown is computed in ``presenters/translation_review.py``."""
