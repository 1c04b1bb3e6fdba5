"""brms formula features that bayesglmm does not support yet, each refused with its remedy.

One table, read wherever such a feature can appear (a formula call, a response helper), so
every refusal names the feature the same way.

Examples
--------
>>> import textwrap
>>> print(textwrap.fill(str(unsupported_feature("me", "y ~ me(x, sdx)")), 88))
me() in 'y ~ me(x, sdx)' asks for a predictor measured with known error (brms's me(x,
sdx)), which bayesglmm does not support yet: model the true values as a response of a
multivariate model, 'x | mi() ~ ...', or average repeated measurements before fitting; a
response measured with known error is 'y | se(s) ~ ...'
>>> unsupported_feature("log", "y ~ log(x)") is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from bayesglmm.errors import FormulaError


@dataclass(frozen=True)
class UnsupportedFeature:
    """A brms feature not supported yet: what it asks for and what to do instead."""

    meaning: str
    remedy: str


UNSUPPORTED_FEATURES = MappingProxyType(
    {
        "me": UnsupportedFeature(
            "a predictor measured with known error (brms's me(x, sdx))",
            "model the true values as a response of a multivariate model, 'x | mi() ~ ...', "
            "or average repeated measurements before fitting; a response measured with "
            "known error is 'y | se(s) ~ ...'",
        ),
    }
)
"""Each unsupported feature by the call that asks for it."""


def unsupported_feature(name: str, where: str, position: int | None = None) -> FormulaError | None:
    """The error for ``name`` in ``where`` when it is an unsupported brms feature, else None.

    ``position``, when given, is where in the formula ``where`` the caret goes.
    """
    feature = UNSUPPORTED_FEATURES.get(name)
    if feature is None:
        return None
    shown = f"{name}()"
    place = "" if position is not None else f" in '{where}'"
    return FormulaError(
        f"{shown}{place} asks for {feature.meaning}, which bayesglmm does not support "
        f"yet: {feature.remedy}",
        where if position is not None else None,
        position,
    )
