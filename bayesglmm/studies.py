"""Case studies on the bundled datasets: the model each dataset is known for.

Examples
--------
>>> from bayesglmm.studies import CASE_STUDIES
>>> CASE_STUDIES["infection"].formula
'favorable | trials(n) ~ treatment + (1 | clinic)'
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass

import bayesglmm.datasets as datasets
from bayesglmm.errors import DataError
from bayesglmm.model import Model
from bayesglmm.registry import Registry


def show[Shown](result: Shown) -> Shown | None:
    """Show a result of a case-study cell, in a notebook and in a script alike.

    Under IPython or Jupyter ``result`` is returned, so the cell displays it (in its
    HTML form where it has one); run as a script, its text is printed and nothing is
    returned.

    Examples
    --------
    >>> show(1 + 1)
    2
    <BLANKLINE>
    """
    shell = sys.modules.get("IPython")
    if shell is not None and shell.get_ipython() is not None:
        return result
    print(result, end="\n\n")
    return None


@dataclass(frozen=True)
class CaseStudy:
    """A bundled dataset with its model.

    Attributes
    ----------
    name
        Name used by ``bayesglmm case-study``.
    dataset
        Bundled dataset it analyses.
    formula, family
        The model.
    question
        What the analysis asks.
    """

    name: str
    dataset: str
    formula: str
    family: str
    question: str

    def model(self, centered: bool | str | Iterable[str] = "auto") -> Model:
        """The case study's model on its bundled data (``centered`` as in :class:`Model`)."""
        return Model(
            self.formula, datasets.load(self.dataset), family=self.family, centered=centered
        )


CASE_STUDIES: Registry[CaseStudy] = Registry(
    "case study",
    [
        CaseStudy(
            "infection",
            "infection",
            "favorable | trials(n) ~ treatment + (1 | clinic)",
            "binomial",
            "Does the drug cream raise the odds of a favourable response, across 8 clinics?",
        ),
        CaseStudy(
            "cbpp",
            "cbpp",
            "incidence | trials(size) ~ period + (1 | herd)",
            "binomial",
            "How does the incidence of pleuropneumonia change over 4 periods in 15 herds?",
        ),
        CaseStudy(
            "sleepstudy",
            "sleepstudy",
            "Reaction ~ Days + (Days | Subject)",
            "gaussian",
            "How much slower do drivers react per day of sleep restriction, and how much do "
            "they differ?",
        ),
        CaseStudy(
            "epil",
            "epil",
            "y ~ lbase * trt + lage + V4 + (1 | subject)",
            "poisson",
            "Does progabide reduce seizure counts, allowing for each patient's baseline?",
        ),
    ],
    DataError,
    plural="case studies",
)
"""Every case study by name."""
