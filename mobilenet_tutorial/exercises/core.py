"""The one checking core every chapter's exercise checks share.

A chapter's check declares its exercise and leaves the steps to this module:

1. parse the answer (:func:`as_number`, :func:`as_numbers`); an answer that does
   not parse, ``None`` included, gets the exercise's first hint;
2. compare it with the expected value, within a :class:`Tolerance`;
3. match it against the :class:`Mistake` students are known to make, each with
   its own hint;
4. otherwise give the exercise's general hint; :func:`report` prints the verdict.

:func:`check_answer` does all four; :func:`judge` the last three, for an answer
parsed in another way.  For the exercises whose answer is a layer, a block class or
a function, :func:`attempt`, :func:`evaluate` (and :func:`output_of`), :func:`shape_of`,
:func:`copy_state_in_order` and :func:`same_output` run the student's code and compare
it with the package's.  :func:`time_limited` gives every check a time limit, so a
student's endless loop ends in a hint rather than a hung notebook.
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
from torch import nn

from ..measure.tolerance import accumulation_length, rounding_tolerance
from ..modes import evaluating

__all__ = [
    "ANY",
    "EXACT",
    "TIME_LIMIT_SECONDS",
    "Mistake",
    "Tolerance",
    "as_number",
    "as_numbers",
    "attempt",
    "check_answer",
    "close_enough",
    "copy_state_in_order",
    "evaluate",
    "from_the_package",
    "is_collection",
    "is_number",
    "judge",
    "matches",
    "output_of",
    "report",
    "same_output",
    "shape_of",
    "time_limited",
]

_T = TypeVar("_T")

_MAX_ITEMS = 10_000
"""The most numbers an answer of any length may hold (more, or endless, is no answer)."""
_UNCONVERTIBLE = (TypeError, ValueError, OverflowError, RuntimeError)  # what float() may raise


TIME_LIMIT_SECONDS = 60.0
"""How long one check may run (read at each call); the package's own checks take a few seconds."""


class _TimeUp(BaseException):
    """Raised inside a check that ran out of time.

    A ``BaseException``, so that neither :func:`attempt` nor a student's own
    ``except Exception`` can swallow it.
    """


def _on_alarm(signum: int, frame: object) -> None:
    raise _TimeUp


@contextmanager
def _deadline(seconds: float) -> Iterator[bool]:
    """Raise :class:`_TimeUp` in the block after ``seconds``; yield whether a limit is set.

    The limit is a ``SIGALRM`` timer, which needs a POSIX system and the main thread
    (where Jupyter and Colab run a notebook's cells).  Elsewhere, or when a timer is
    already running (a grader's own limit, say, which then governs), the block runs
    without one.  The previous handler and timer state are restored afterwards.
    """
    usable = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
              and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0))
    if not usable:
        yield False
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous)


def time_limited(check: Callable[..., bool]) -> Callable[..., bool]:
    """Give the exercise check ``check`` a time limit of :data:`TIME_LIMIT_SECONDS`.

    A check that runs out of time (a student's layer or ``__float__`` that never
    returns, say) prints a hint and returns ``False``.  The exercise's name is the
    first line of the check's docstring up to its colon (``"Exercise 4"``).  The check
    also runs on a copy of torch's random state: building the expected model inside it
    does not change the random numbers the notebook draws next.
    """
    exercise = (check.__doc__ or check.__name__).split(":")[0].strip()

    @functools.wraps(check)
    def limited(*args: object, **kwargs: object) -> bool:
        seconds = TIME_LIMIT_SECONDS
        try:
            with _deadline(seconds), torch.random.fork_rng(devices=[]):
                return check(*args, **kwargs)
        except _TimeUp:
            return report(False, exercise, f"the check stopped after {seconds:g} s: does your "
                                           "code (a forward pass, a loop, a __float__) ever end?")

    return limited


def report(passed: bool, exercise: str, hint: str) -> bool:
    """Print a pass, or ``hint``, for ``exercise``; return ``passed``."""
    if passed:
        print(f"✅ {exercise}: correct.")
    else:
        print(f"❌ {exercise}: not yet. Hint: {hint}")
    return passed


# ---------------------------------------------------------------- answers: numbers and tuples


def as_number(answer: object) -> float | None:
    """``answer`` as a finite ``float``, or ``None`` if it is not a finite real number.

    Anything ``float`` accepts counts (ints, numpy and one-element torch scalars, and
    strings such as ``"7"``), but not ``True`` or ``False``, ``nan`` or an infinity.
    """
    if isinstance(answer, bool):
        return None
    try:
        value = float(answer)  # type: ignore[arg-type]
    except _UNCONVERTIBLE:
        return None
    return value if math.isfinite(value) else None


def is_number(answer: object) -> bool:
    """True if ``answer`` is a finite real number (``True``/``False`` do not count)."""
    return as_number(answer) is not None


def is_collection(answer: object) -> bool:
    """True if ``answer`` is iterable and not a string (``str`` or ``bytes``)."""
    return isinstance(answer, Iterable) and not isinstance(answer, str | bytes)


def as_numbers(answer: object, count: int | None = None, whole: bool = False,
               ordered: bool = True) -> tuple[Any, ...] | None:
    """``answer`` as a tuple of finite numbers, or ``None`` if it is not one.

    Args:
        answer: a tuple, list, array or other non-string collection of numbers (each
            as :func:`as_number` takes it); where ``count`` is 1, a bare number too.
        count: how many numbers there must be; any number of them up to
            :data:`_MAX_ITEMS` (none included) if ``None``.
        whole: every number must be a whole number; they are returned as ``int``.
        ordered: refuse a set or a mapping, whose order means nothing (for answers
            such as a pair ``(x, y)``).

    Returns:
        The numbers as ``float`` (``int`` with ``whole``), in the answer's order.
    """
    if count == 1 and is_number(answer):
        answer = (answer,)
    if not is_collection(answer) or (ordered and isinstance(answer, Set | Mapping)):
        return None
    limit = _MAX_ITEMS if count is None else count
    try:  # read one item past the limit at most: an endless iterator cannot hang the check
        values = tuple(as_number(item) for item in itertools.islice(answer, limit + 1))  # type: ignore[call-overload]
    except _UNCONVERTIBLE:  # e.g. iterating over a zero-dimensional tensor
        return None
    if len(values) > limit or (count is not None and len(values) != count) or None in values:
        return None
    if whole:
        if not all(v.is_integer() for v in values):  # type: ignore[union-attr]
            return None
        return tuple(int(v) for v in values)  # type: ignore[arg-type]
    return values


# ---------------------------------------------------------------- comparing with a target


@dataclass(frozen=True)
class Tolerance:
    """How far an answer may be from a value and still count as that value.

    The test is :func:`math.isclose`: ``|answer - value| <= max(relative * max(|answer|,
    |value|), absolute)``.  The default is :data:`EXACT`, for whole-number answers.

    Attributes:
        relative: the largest difference relative to the larger magnitude.
        absolute: the largest absolute difference; the default, ``1e-12``, forgives
            only the rounding of a value that should be exact.

    Raises:
        ValueError: if either bound is negative or not finite.
    """

    relative: float = 0.0
    absolute: float = 1e-12

    def __post_init__(self) -> None:
        for bound in (self.relative, self.absolute):
            if not (math.isfinite(bound) and bound >= 0):
                raise ValueError(f"tolerances must be finite and not negative, got "
                                 f"relative={self.relative}, absolute={self.absolute}")

    def accepts(self, value: float, target: float) -> bool:
        """True if ``value`` is within this tolerance of ``target``."""
        return math.isclose(value, target, rel_tol=self.relative, abs_tol=self.absolute)


EXACT = Tolerance()
"""Equal but for the rounding of a float (absolute ``1e-12``): the tolerance of counts."""


class _Any:
    """The type of :data:`ANY`."""

    def __repr__(self) -> str:
        return "ANY"


ANY = _Any()
"""In a tuple target of :func:`matches`, an element that matches anything."""


def matches(answer: object, target: object, tolerance: Tolerance = EXACT) -> bool:
    """True if a parsed ``answer`` matches ``target``.

    Args:
        answer: the answer, after parsing.
        target: :data:`ANY` (matches anything); a predicate, called with the answer; a
            real number (the answer must be a number within ``tolerance`` of it); a
            tuple (the answer must be a tuple of the same length whose elements match
            the target's, one by one); any other value, compared with ``==``.
        tolerance: how close a number must be to a number target.
    """
    if target is ANY:
        return True
    if callable(target):
        return bool(target(answer))
    if isinstance(target, tuple):
        return (isinstance(answer, tuple) and len(answer) == len(target)
                and all(matches(a, t, tolerance) for a, t in zip(answer, target, strict=True)))
    if isinstance(target, numbers.Real) and not isinstance(target, bool):
        value = as_number(answer)
        return value is not None and tolerance.accepts(value, float(target))
    return answer == target


@dataclass(frozen=True)
class Mistake:
    """A wrong answer students are known to give, and the hint that answers it.

    Attributes:
        value: what the wrong answer looks like, as a target of :func:`matches`: a
            number, a tuple (with :data:`ANY` for an element that may be anything), a
            predicate of the parsed answer, or another value compared with ``==``.
        hint: what the check prints for it; it must not give the right answer away.
        tolerance: how close counts as matching; ``None`` for the check's own tolerance.
    """

    value: object
    hint: str
    tolerance: Tolerance | None = None

    def matches(self, answer: object, tolerance: Tolerance = EXACT) -> bool:
        """True if ``answer`` is this mistake, ``tolerance`` standing in for a ``None`` one."""
        return matches(answer, self.value,
                       tolerance if self.tolerance is None else self.tolerance)


_Mistakes = Sequence[Mistake] | Callable[[Any], Sequence[Mistake]]


def judge(answer: object, exercise: str, expected: object, *, otherwise: str,
          mistakes: Sequence[Mistake] = (), tolerance: Tolerance = EXACT) -> bool:
    """Report a parsed ``answer`` right if it matches ``expected``, else hint; return which.

    Args:
        answer: the student's answer, already parsed.
        exercise: the exercise's name, as printed (``"Exercise 1 (...)"``).
        expected: the right answer, a target of :func:`matches`.
        otherwise: the hint for a wrong answer that is none of the ``mistakes``.
        mistakes: known wrong answers, tried in order; the first that matches gives
            its hint.
        tolerance: how close to ``expected`` (and to a mistake without a tolerance
            of its own) an answer must be.
    """
    if matches(answer, expected, tolerance):
        return report(True, exercise, "")
    for mistake in mistakes:
        if mistake.matches(answer, tolerance):
            return report(False, exercise, mistake.hint)
    return report(False, exercise, otherwise)


def check_answer(answer: object, exercise: str, *, missing: str, expected: object,
                 otherwise: str, mistakes: _Mistakes = (), tolerance: Tolerance = EXACT,
                 parse: Callable[[object], object | None] = as_number) -> bool:
    """Parse ``answer``, then :func:`judge` it; an answer that does not parse gets ``missing``.

    ``expected`` may be a function of no arguments and ``mistakes`` a function of the
    expected value: they are then called only for an answer that parses, so that a
    check left at ``None`` builds no model (building one draws from torch's random
    number generator).

    Args:
        answer: the student's answer, as given.
        exercise: the exercise's name, as printed.
        missing: the hint for an answer that ``parse`` refuses (``None`` included).
        expected: the right answer (a target of :func:`matches`), or a function
            returning it.
        otherwise: the hint for a wrong answer that is none of the ``mistakes``.
        mistakes: known wrong answers with their hints, or a function of the expected
            value returning them.
        tolerance: how close to ``expected`` an answer must be.
        parse: turns the answer into what is compared, or ``None`` if it cannot.

    Returns:
        Whether the answer is right.
    """
    value = parse(answer)
    if value is None:
        return report(False, exercise, missing)
    target = expected() if callable(expected) else expected
    known = mistakes(target) if callable(mistakes) else mistakes
    return judge(value, exercise, target, otherwise=otherwise, mistakes=known,
                 tolerance=tolerance)


def close_enough(answer: object, expected: float, rel_tol: float = 1e-6) -> bool:
    """True if ``answer`` is a real number within ``rel_tol`` (relative) of ``expected``."""
    try:
        value = float(answer)  # type: ignore[arg-type]
    except _UNCONVERTIBLE:
        return False
    return Tolerance(rel_tol).accepts(value, expected)


# ---------------------------------------------------------------- answers that are code


def from_the_package(answer: object, inside: bool = False) -> str | None:
    """The name of this package's class that ``answer`` is (or, with ``inside``, contains).

    ``answer`` is a class or an instance.  A class counts as the package's when it or any
    class it inherits from is defined in ``mobilenet_tutorial``: an exercise that asks
    for your own block cannot be answered by importing the package's.  With ``inside``,
    the submodules of an ``nn.Module`` answer count too.  ``None`` when none is.
    """
    package = __name__.split(".")[0]
    classes = [answer] if isinstance(answer, type) else [type(answer)]
    if inside and isinstance(answer, nn.Module):
        classes += [type(module) for module in answer.modules()]
    for cls in classes:
        for base in cls.__mro__:
            if base.__module__.split(".")[0] == package:
                return base.__name__
    return None


def attempt(function: Callable[..., _T], *args: object) -> tuple[_T | None, str | None]:
    """Call a student's ``function(*args)``; return ``(result, None)`` or ``(None, error)``.

    ``error`` names the exception and its message (``"TypeError: ..."``), for a hint:
    whatever a student's code raises is a miss, not a crash of the check.  The call runs
    on a copy of torch's random state, so building or running the student's layers does
    not change the random numbers the notebook draws next.
    """
    try:
        with torch.random.fork_rng(devices=[]):
            return function(*args), None
    except Exception as error:  # noqa: BLE001 - a student's code may raise anything
        return None, f"{type(error).__name__}: {error}"


def output_of(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``module(x)`` in eval mode without gradients; the module goes back to its mode after.

    A student's module may return anything, or raise: call it through :func:`evaluate`.
    """
    with evaluating(module), torch.no_grad():
        return module(x)


def evaluate(module: nn.Module, x: torch.Tensor) -> tuple[object, str | None]:
    """:func:`output_of` a student's module, as :func:`attempt` returns it."""
    return attempt(output_of, module, x)


def shape_of(value: object) -> tuple[int, ...] | str:
    """A tensor's shape as a tuple; for anything else, the name of its type (for a hint)."""
    return tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__


def copy_state_in_order(source: nn.Module, target: nn.Module) -> bool:
    """Copy ``source``'s state into ``target`` tensor by tensor, in state-dict order.

    Names do not count, so a student's module may call its layers anything.

    Returns:
        ``True``; ``False`` (having copied nothing) if the two state dicts differ in
        the number of tensors or in a tensor's shape.
    """
    src, dst = list(source.state_dict().values()), list(target.state_dict().values())
    if len(src) != len(dst) or any(a.shape != b.shape for a, b in zip(src, dst, strict=True)):
        return False
    with torch.no_grad():
        for a, b in zip(src, dst, strict=True):
            b.copy_(a)
    return True


def same_output(got: object, expected: torch.Tensor, reference: nn.Module) -> bool:
    """True if ``got`` is ``expected``, the output of ``reference``, up to float rounding.

    ``got`` must be a tensor of the same shape, within
    :func:`~mobilenet_tutorial.measure.tolerance.rounding_tolerance` of ``expected`` for the
    :func:`~mobilenet_tutorial.measure.tolerance.accumulation_length` of ``reference``: the
    same function computed in another order differs by no more.
    """
    if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
        return False
    tolerance = rounding_tolerance(expected, accumulation_length(reference))
    return bool((got.double() - expected.double()).abs().max() <= tolerance)
