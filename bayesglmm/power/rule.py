"""The decision rule of a power analysis: ``"P(<hypothesis>) > <threshold>"``.

The hypothesis is one :meth:`bayesglmm.Fit.hypothesis` statement; a replicate is a success
when the posterior probability of the statement passes the threshold. The rule is parsed
here and never evaluated as Python.

Examples
--------
>>> rule = parse_rule("P(b[trt[T.drug]] > 0) > 0.975")
>>> rule.statement, rule.comparison, rule.threshold
('b[trt[T.drug]] > 0', '>', 0.975)
>>> rule.passes(0.99), rule.passes(0.9)
(True, False)
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from bayesglmm.errors import FormulaError
from bayesglmm.results import Fit
from bayesglmm.results.hypothesis import hypothesis_parts

COMPARISONS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
_RULE = re.compile(r"^\s*P\((?P<statement>.+)\)\s*(?P<op>>=|<=|>|<)\s*(?P<threshold>[0-9.]+)\s*$")


@dataclass(frozen=True)
class Rule:
    """A parsed rule; ``rule(name, fit)`` (as ``fit_many(evaluate=...)`` calls it) gives
    ``{"prob": p, "success": 0 or 1, "checks_ok": 0 or 1}`` (``checks_ok``: the fit raised
    no convergence warning)."""

    statement: str
    comparison: str
    threshold: float

    def passes(self, probability: float) -> bool:
        """Whether a posterior probability passes the rule's threshold."""
        return bool(COMPARISONS[self.comparison](probability, self.threshold))

    def __call__(self, name: str, fit: Fit) -> dict[str, float]:
        probability = float(fit.hypothesis(self.statement)["prob"].iloc[0])
        return {
            "prob": probability,
            "success": float(self.passes(probability)),
            "checks_ok": float(not fit.warnings),
        }


def parse_rule(text: object) -> Rule:
    """Read ``"P(<hypothesis>) <comparison> <probability>"``.

    Raises
    ------
    FormulaError
        For text of another shape, a hypothesis without a direction, or a threshold
        outside (0, 1).
    """
    found = _RULE.match(text) if isinstance(text, str) else None
    if found is None:
        raise FormulaError(
            "a power rule reads 'P(<hypothesis>) > <probability>', such as "
            f"'P(b[trt[T.drug]] > 0) > 0.975'; got {text!r}"
        )
    statement = found["statement"].strip()
    _, op, _ = hypothesis_parts(statement)
    if op == "=":
        raise FormulaError(
            f"the hypothesis in rule '{text}' needs a direction (<, >, <=, >=); a point "
            "hypothesis has no posterior probability."
        )
    threshold = float(found["threshold"])
    if not 0 < threshold < 1:
        raise FormulaError(
            f"the threshold of rule '{text}' is a probability between 0 and 1, not {threshold}."
        )
    return Rule(statement, found["op"], threshold)
