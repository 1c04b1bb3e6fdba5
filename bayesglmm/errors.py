"""Exceptions and warnings raised by bayesglmm.

Every error names the formula term, data column or parameter at fault and says
what to do about it. All errors derive from :class:`BayesGLMMError`, itself a
``ValueError``, so ``except ValueError`` keeps working for callers.

Examples
--------
>>> from bayesglmm.errors import FormulaError
>>> print(FormulaError("expected a grouping factor after '|'", "y ~ (1 | )", 9))
expected a grouping factor after '|'
  y ~ (1 | )
           ^
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class BayesGLMMError(ValueError):
    """Base class of all bayesglmm errors."""


class FormulaError(BayesGLMMError):
    """A formula that cannot be parsed or does not fit the data.

    Parameters
    ----------
    message
        What was expected at the offending place.
    formula
        The whole formula text, shown under the message.
    position
        Character offset of the offending place; a caret is drawn under it.
    """

    def __init__(self, message: str, formula: str | None = None, position: int | None = None):
        self.message = message
        self.formula = formula
        self.position = position
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.formula is None or self.position is None:
            return self.message
        caret = " " * (2 + self.position) + "^"
        return f"{self.message}\n  {self.formula}\n{caret}"


class DataError(BayesGLMMError):
    """Data that cannot be used as given: a missing column, bad values, too few levels."""


class FamilyError(BayesGLMMError):
    """An unknown family or link, or a link the family does not support."""


class PriorError(BayesGLMMError):
    """An unknown prior key or a prior that does not suit its parameter."""


class ArgumentError(BayesGLMMError):
    """An argument of a bayesglmm function that is not one of its choices or of the wrong
    type, such as ``fit.predict(kind="prob")`` or ``ndraws=0``."""


class SamplerError(BayesGLMMError):
    """An unknown sampler or one that cannot fit the model."""


class StoreError(BayesGLMMError):
    """A saved fit that cannot be read or written: not a bayesglmm store, corrupted,
    incomplete, from a newer format, or a save that would overwrite other files."""


class SamplingInterrupted(BayesGLMMError):
    """Sampling stopped (Ctrl-C or a time limit) before any draw was kept, during warm-up."""


class CompileCacheError(BayesGLMMError):
    """PyTensor cannot create or write its compile cache (a read-only home, a full disk)."""


class ConvergenceWarning(UserWarning):
    """The sampler's output shows signs that the posterior is not yet reliable."""


class IncompleteSamplingWarning(UserWarning):
    """Sampling stopped early (Ctrl-C, a time limit or a failed chain): the fit holds fewer
    draws or chains than were asked for."""


class DataWarning(UserWarning):
    """The data were changed on the way in, for example rows dropped for missing values."""


def did_you_mean(name: object, choices: Iterable[object]) -> str:
    """``" Did you mean 'x'?"`` for the choice closest to ``name``, or ``""`` when none is close.

    Examples
    --------
    >>> did_you_mean("poison", ["gaussian", "poisson"])
    " Did you mean 'poisson'?"
    >>> did_you_mean("zzz", ["gaussian", "poisson"])
    ''
    """
    close = difflib.get_close_matches(str(name), [str(choice) for choice in choices], n=1)
    return f" Did you mean '{close[0]}'?" if close else ""
