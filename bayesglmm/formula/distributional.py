"""Distributional formulas: a formula for the mean and one per modelled family parameter;
and multivariate formulas, one such formula per response added together (brms's
``bf() + bf()``).

``bg.formula`` reads like brms's ``bf()``: the first formula is the mean's, the others
give a family parameter (``zi``, ``hu``, ``sigma``, ``shape``, ``phi``, ``nu``) its own
fixed and random terms on its link scale (log for positive parameters, logit for
probabilities).

Examples
--------
>>> import bayesglmm as bg
>>> f = bg.formula("count ~ mined + (1 | site)", zi="~ mined")
>>> print(f)
count ~ mined + (1 | site)
   zi ~ mined
>>> bg.formula("y ~ x", "sigma ~ x").parameters
(('sigma', 'x'),)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bayesglmm.errors import FormulaError
from bayesglmm.formula.syntax import ParsedFormula, parse_formula

_PARAMETER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*~(.*)$", re.DOTALL)
RESPONSE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
"""What a multivariate model's response may be called: it names the response's variables."""


@dataclass(frozen=True)
class BayesFormula:
    """The mean's formula and the right-hand sides of the modelled family parameters.

    Attributes
    ----------
    mean
        The model formula, e.g. ``"count ~ mined + (1 | site)"``.
    parameters
        ``(name, right-hand side)`` per modelled parameter, e.g. ``(("zi", "mined"),)``.
    family
        The response's own family in a multivariate model (``bg.formula("y2 ~ x",
        family="poisson")``); None for the model's family.
    imputed
        The columns the mean's formula may read as ``mi(z)``: the other responses of a
        multivariate model that impute their missing values. The multivariate model
        sets them; a model of one response has none.
    """

    mean: str
    parameters: tuple[tuple[str, str], ...] = ()
    family: object = None
    imputed: tuple[str, ...] = ()

    def parsed_parameters(self) -> dict[str, ParsedFormula]:
        """Each parameter's formula parsed like a model formula whose response is its name."""
        return {name: parse_formula(f"{name} ~ {rhs}") for name, rhs in self.parameters}

    def __add__(self, other: object) -> MultivariateFormula:
        """A multivariate model's formulas: ``bg.formula("y1 ~ x") + bg.formula("y2 ~ x")``."""
        return joined(self, other)

    def __str__(self) -> str:
        width = max([len(name) for name, _ in self.parameters], default=0)
        lines = [self.mean] + [f"{name:>{width + 3}} ~ {rhs}" for name, rhs in self.parameters]
        return "\n".join(lines)


@dataclass(frozen=True)
class MultivariateFormula:
    """The formulas of the responses of a multivariate model, in order.

    Attributes
    ----------
    responses
        One :class:`~bayesglmm.formula.distributional.BayesFormula` per response.
    """

    responses: tuple[BayesFormula, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The responses' names: the columns on the left of their formulas."""
        return tuple(response_name(formula) for formula in self.responses)

    def __add__(self, other: object) -> MultivariateFormula:
        """Add one more response."""
        return joined(self, other)

    def __str__(self) -> str:
        return "\n".join(str(formula) for formula in self.responses)


def response_name(formula: BayesFormula) -> str:
    """The response of one formula of a multivariate model, a plain column name.

    Raises
    ------
    FormulaError
        When the left-hand side is not a column name (letters, digits, ``_``): it names the
        response's variables (``b_<response>``, ``sigma_<response>``).
    """
    outcome = parse_formula(formula.mean).response.outcome.strip()
    if not RESPONSE_NAME.fullmatch(outcome):
        raise FormulaError(
            f"in a multivariate model each response names its variables (b_<response>), so "
            f"it must be a column name of letters, digits and '_', not '{outcome}'; add the "
            "transformed column to the data first"
        )
    return outcome


def joined(first: object, second: object) -> MultivariateFormula:
    """The multivariate formula of ``first + second`` (formulas or multivariate formulas).

    Raises
    ------
    FormulaError
        When a term is neither, or two formulas have one response.
    """
    parts: list[BayesFormula] = []
    for item in (first, second):
        if isinstance(item, MultivariateFormula):
            parts.extend(item.responses)
        elif isinstance(item, BayesFormula):
            parts.append(item)
        else:
            raise FormulaError(
                f"a multivariate formula adds bg.formula(...) terms, as in bg.formula('y1 ~ x') "
                f"+ bg.formula('y2 ~ x'), not {type(item).__name__}"
            )
    names = [response_name(formula) for formula in parts]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise FormulaError(f"response '{repeated[0]}' has two formulas; give it one")
    return MultivariateFormula(tuple(parts))


def _right_hand_side(name: str, text: str, given: str | None = None) -> str:
    """The terms of ``text``, the right-hand side of ``name``'s formula ``given``."""
    if not isinstance(text, str):
        raise FormulaError(f"the formula of '{name}' must be a string such as '~ x', not {text!r}")
    rhs = text.strip()
    if rhs.startswith("~"):
        rhs = rhs[1:].strip()
    if not rhs or "~" in rhs:
        raise FormulaError(
            f"the formula of '{name}' must be a right-hand side such as '~ x + (1 | g)', "
            f"not {text if given is None else given!r}"
        )
    return rhs


def _keyword_right_hand_side(name: str, text: str) -> str:
    """The right-hand side of ``name=text``, which may repeat ``name`` on the left."""
    match = _PARAMETER.match(text) if isinstance(text, str) else None
    if match is None:
        return _right_hand_side(name, text)
    if match.group(1) != name:
        raise FormulaError(
            f"{name}={text!r} has '{match.group(1)}' on the left of '~'; a keyword formula "
            f"gives only the right-hand side, as in {name}='~{match.group(2)}'",
            text,
            match.start(1),
        )
    return _right_hand_side(name, match.group(2), given=text)


def formula(
    mean: str, *parameter_formulas: str, family: object = None, **parameters: str
) -> BayesFormula:
    """A model formula with formulas for family parameters, like brms's ``bf()``.

    Parameters
    ----------
    mean
        The formula of the mean, e.g. ``"count ~ mined + (1 | site)"``.
    *parameter_formulas
        Formulas with a parameter on the left, e.g. ``"sigma ~ x"``.
    family
        In a multivariate model, this response's family (a name or a family); None for the
        model's.
    **parameters
        Right-hand sides by parameter, e.g. ``zi="~ mined"`` (``zi="zi ~ mined"`` is the
        same).

    Returns
    -------
    BayesFormula
        Pass it to :class:`bayesglmm.Model` in place of a formula string.

    Raises
    ------
    FormulaError
        For a parameter given twice, a formula that is not ``parameter ~ terms``, or a
        keyword formula naming another parameter on its left (``zi="hu ~ x"``).

    Examples
    --------
    >>> formula("y ~ x + (1 | g)", sigma="~ x", nu="1").parameters
    (('sigma', 'x'), ('nu', '1'))
    """
    if not isinstance(mean, str):
        raise FormulaError(f"the model formula must be a string, not {type(mean).__name__}")
    given: list[tuple[str, str]] = []
    for text in parameter_formulas:
        match = _PARAMETER.match(text) if isinstance(text, str) else None
        if match is None:
            raise FormulaError(
                f"{text!r} must name the parameter it models on the left, as in 'sigma ~ x'; "
                "or pass it by keyword, as in sigma='~ x'"
            )
        given.append((match.group(1), _right_hand_side(match.group(1), match.group(2))))
    given.extend((name, _keyword_right_hand_side(name, text)) for name, text in parameters.items())
    names = [name for name, _ in given]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise FormulaError(f"parameter '{repeated[0]}' has two formulas; give it one")
    return BayesFormula(mean, tuple(given), family)
