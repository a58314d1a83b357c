"""The classroom kit: student and instructor editions of a notebook, and a grader.

One source per chapter: each exercise is a ``**Exercise K.**`` markdown cell, an answer
cell that sets ``answer`` and calls ``chNN.check_xxx(answer)``, and a worked solution (a
markdown cell and a code cell tagged ``solution``).  From that source:

- :mod:`.editions` writes the *student* edition (solutions removed, outputs stripped, a
  header on how to hand it in) and the *instructor* edition (solutions kept, executed);
- :mod:`.execution` runs a submission afresh in its own kernel, cell by cell, with a time
  limit per cell and per notebook, and captures ``answer`` right after each answer cell;
- :mod:`.evaluation` scores the captured answers in a separate, clean process, with the
  package's own checks (or a teacher's ``--checks`` module), each under a time limit;
- :mod:`.report` writes the tidy ``grades.csv`` and prints a wide summary per student;
- :mod:`.form` finds the exercises of a notebook (shared by all of the above).

Command line: ``python -m mobilenet_tutorial.classroom grade|student|instructor ...``
(see :mod:`.__main__`).  The grader needs ``nbclient``, ``nbformat``, ``ipykernel`` and
``cloudpickle`` (``pip install "mobilenet-tutorial[classroom]"``).
"""

from .form import Exercise, ExerciseCell, answer_cells, chapter_exercises, exercise_cells

__all__ = ["Exercise", "ExerciseCell", "answer_cells", "chapter_exercises", "exercise_cells"]
