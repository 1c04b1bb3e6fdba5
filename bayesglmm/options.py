"""Package-wide settings: ``bg.options(ci_prob=0.9)``.

Setting an option applies at once; used in a ``with`` block, the previous values come back
at its end. Every table's credible interval reads ``ci_prob`` unless a call passes its own.

Examples
--------
>>> import bayesglmm as bg
>>> bg.options().ci_prob
0.95
>>> with bg.options(ci_prob=0.9):
...     bg.options().ci_prob
0.9
>>> bg.options().ci_prob
0.95
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass

from bayesglmm.errors import ArgumentError


@dataclass(frozen=True)
class Settings:
    """The values of every option.

    Attributes
    ----------
    ci_prob
        Probability mass of the central credible intervals in every table (0.95: the
        2.5% and 97.5% quantiles).
    """

    ci_prob: float = 0.95


_current = [Settings()]


def checked_ci_prob(value: object) -> float:
    """``value`` as an interval probability strictly between 0 and 1.

    Raises
    ------
    ArgumentError
        For anything else.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ArgumentError(
            f"ci_prob must be a probability strictly between 0 and 1, such as 0.9, not {value!r}."
        )
    return round(float(value), 6)


def current() -> Settings:
    """The settings in force."""
    return _current[0]


class _Change:
    """The settings after a change; as a context manager it restores the earlier ones."""

    def __init__(self, previous: Settings):
        self._previous = previous

    def __getattr__(self, name: str):
        return getattr(current(), name)

    def __repr__(self) -> str:
        return repr(current())

    def __enter__(self) -> Settings:
        return current()

    def __exit__(self, *exc) -> None:
        _current[0] = self._previous


def options(**changes) -> _Change:
    """Read or change the package's settings (:class:`Settings`).

    Parameters
    ----------
    **changes
        New values by option name, such as ``ci_prob=0.9``; none to read the settings.

    Raises
    ------
    ArgumentError
        For an unknown option or an invalid value.
    """
    known = [field.name for field in dataclasses.fields(Settings)]
    unknown = [name for name in changes if name not in known]
    if unknown:
        raise ArgumentError(
            f"bg.options() has no option {unknown[0]!r}; the options are {', '.join(known)}."
        )
    if "ci_prob" in changes:
        changes["ci_prob"] = checked_ci_prob(changes["ci_prob"])
    previous = current()
    _current[0] = dataclasses.replace(previous, **changes)
    return _Change(previous)
