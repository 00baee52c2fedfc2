"""Lesson study: study groups, case pupils and research-lesson cycles.

A study group (a triad, sometimes with a knowledgeable other) agrees a
research focus and a few case pupils, then runs research-lesson cycles: plan
(with a prediction per case pupil per lesson stage), teach, observe (what each
case pupil did and said; pupil interviews), debrief (the post-lesson
discussion in protocol order) and closed. The group then writes up what it
learned and may publish it to the school.

Modules, one concept each:
- ``tables``: the database tables of lesson study;
- ``stages``: the cycle's state machine (pure): moves and their preconditions;
- ``protocol``: the post-lesson discussion's order (pure);
- ``access``: who may read and do what in a group (the privacy rule, in one place);
- ``groups``, ``pupils``, ``cycles``, ``plans``, ``booking``, ``observations``,
  ``debrief``, ``transitions``, ``write_ups``, ``rendering``, ``fidelity``,
  ``audit``, ``policy``, ``retention``, ``reading``.
"""
