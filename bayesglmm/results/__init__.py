"""Results: the Fit object with its tables, printouts, diagnostics, predictions,
predictive checks, model comparison, plots, report and saving.

Examples
--------
>>> from bayesglmm.results import STAT_COLUMNS
>>> STAT_COLUMNS[:2]
['mean', 'sd']
"""

from bayesglmm.results.comparison import compare
from bayesglmm.results.fit import Fit
from bayesglmm.results.tables import STAT_COLUMNS, summarize

__all__ = ["STAT_COLUMNS", "Fit", "compare", "summarize"]
