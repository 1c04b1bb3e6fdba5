"""The design of a predictor ``mi(z)`` whose missing values another response of a
multivariate model imputes (brms's ``mi()`` predictors).

The rows' design holds 0 where ``z`` is missing; at such a row each draw of the imputed
value adds ``(multipliers @ b[columns]) * Ymi_z`` to the linear predictor. ``mi(z)`` stands
alone or in interactions, so every column that holds it is linear in ``z``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ImputedPredictor:
    """One predictor ``mi(z)`` of a linear predictor.

    Attributes
    ----------
    response
        The column ``z``, a response of the same multivariate model.
    variable
        The posterior variable of its imputed values (``Ymi_z``).
    columns
        Positions of the fixed-effect columns that hold ``mi(z)``.
    multipliers
        ``(rows, columns)``: how much each such column changes per unit of ``z`` at each
        row; zero where ``z`` is observed.
    positions
        ``(rows,)``: each row's position among the imputed values of ``z``; -1 where it is
        observed.
    """

    response: str
    variable: str
    columns: np.ndarray
    multipliers: np.ndarray
    positions: np.ndarray

    def rows(self, rows: np.ndarray | slice) -> ImputedPredictor:
        """The same predictor at a subset of the rows."""
        return ImputedPredictor(
            self.response,
            self.variable,
            self.columns,
            self.multipliers[rows],
            self.positions[rows],
        )
