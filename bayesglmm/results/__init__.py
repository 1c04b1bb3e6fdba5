"""Results: the Fit object, its summary tables, printouts and convergence checks.

Examples
--------
>>> from bayesglmm.results import STAT_COLUMNS
>>> STAT_COLUMNS[:2]
['mean', 'sd']
"""

from bayesglmm.results.fit import Fit, compare
from bayesglmm.results.tables import STAT_COLUMNS, summarize

__all__ = ["STAT_COLUMNS", "Fit", "compare", "summarize"]
