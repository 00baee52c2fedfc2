"""Developmental peer observation: asked for by the observed teacher, ungraded, theirs.

The observed teacher asks for an observation (or accepts a colleague's offer
to come and watch), chooses the focus and owns what is written: the
observer's notes are private to the two of them unless the observed teacher
shares them, every read of a shared note is logged, and deleting an
observation leaves only an anonymous count. Nothing in this package grades,
scores or rates anyone, and nothing lets a school use the notes for appraisal.

Modules: ``models`` (the tables), ``clock``, ``policy`` (caps, notice, guard
settings), ``focus_tags``, ``judgement`` (the pure guard on note wording),
``access`` (who may see what), ``lifecycle`` (request, offer, accept,
decline, cancel), ``matching`` (finding an observer), ``booking``, ``notes``,
``reflection`` (with the follow-up reminder), ``shares`` (with the read
log), ``counts`` and ``deletion``.
"""
