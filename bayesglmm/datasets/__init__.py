"""Datasets bundled with bayesglmm, so examples and teaching work offline.

Use :func:`list` to see them, :func:`load` to get one as a DataFrame with its
factors as ordered categoricals, and :func:`describe` for its source, citation,
columns and units. :func:`simulate_hospital` and :func:`simulate_split_plot` generate
data with known truths for the case studies.

Examples
--------
>>> import bayesglmm as bg
>>> bg.datasets.list()
['cbpp', 'epil', 'hsb', 'infection', 'oats', 'sleepstudy']
>>> bg.datasets.load("infection").shape
(16, 4)
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from importlib import resources

import pandas as pd

from bayesglmm.datasets.simulate import (
    HOSPITAL_TRUTH,
    SPLIT_PLOT_TRUTH,
    simulate_hospital,
    simulate_split_plot,
)
from bayesglmm.errors import DataError
from bayesglmm.registry import Registry


@dataclass(frozen=True)
class Dataset:
    """Provenance and coding of one bundled dataset.

    Attributes
    ----------
    name
        Name used by :func:`load`.
    title
        One-line description.
    source
        Where the data come from, with the citation.
    columns
        Column name to meaning and unit.
    factors
        Columns loaded as categoricals, with their level order (the first is
        the reference level in treatment contrasts).
    model
        The model the data are known for.
    """

    name: str
    title: str
    source: str
    columns: dict[str, str]
    factors: dict[str, builtins.list] = field(default_factory=dict)
    model: str = ""

    def describe(self) -> str:
        """Source, citation, columns and units as text."""
        columns = "\n".join(f"  {name}: {meaning}" for name, meaning in self.columns.items())
        return (
            f"{self.name}: {self.title}\n\nSource: {self.source}\n\nColumns:\n{columns}\n\n"
            f"Known model: {self.model}"
        )


DATASETS: Registry[Dataset] = Registry(
    "bundled dataset",
    [
        Dataset(
            "cbpp",
            "Contagious bovine pleuropneumonia in 15 zebu herds in Ethiopia, 4 periods",
            "R package lme4 (data set cbpp); Lesnoff, M., Laval, G., Bonnet, P., et al. (2004). "
            "Within-herd spread of contagious bovine pleuropneumonia in Ethiopian highlands. "
            "Preventive Veterinary Medicine 64:27-40.",
            {
                "herd": "herd identifier (1-15)",
                "incidence": "number of new serological cases in the period",
                "size": "herd size at the start of the period (animals)",
                "period": "period of the study (1-4)",
            },
            factors={"herd": builtins.list(range(1, 16)), "period": [1, 2, 3, 4]},
            model="incidence | trials(size) ~ period + (1 | herd), binomial",
        ),
        Dataset(
            "epil",
            "Seizure counts of 59 epilepsy patients in a trial of progabide, 4 two-week periods",
            "R package MASS (data set epil); Thall, P. F. and Vail, S. C. (1990). Some "
            "covariance models for longitudinal count data with overdispersion. Biometrics "
            "46:657-671. Analysed as a GLMM by Breslow, N. E. and Clayton, D. G. (1993), "
            "JASA 88:9-25.",
            {
                "y": "seizures in the two-week period (count)",
                "trt": "treatment: placebo (reference) or progabide",
                "base": "seizures in the 8-week baseline period (count)",
                "age": "age (years)",
                "V4": "1 for the fourth period, else 0",
                "subject": "patient identifier (1-59)",
                "period": "period (1-4)",
                "lbase": "log(base / 4), centred",
                "lage": "log(age), centred",
            },
            factors={"trt": ["placebo", "progabide"], "period": [1, 2, 3, 4]},
            model="y ~ lbase * trt + lage + V4 + (1 | subject), poisson",
        ),
        Dataset(
            "hsb",
            "Mathematics achievement and socio-economic status of 7185 students in 160 schools",
            "R package nlme (data sets MathAchieve and MathAchSchool): the 1982 High School and "
            "Beyond survey, as analysed in Raudenbush, S. W. and Bryk, A. S. (2002). "
            "Hierarchical Linear Models, 2nd ed. Sage, ch. 4.",
            {
                "School": "school identifier (160 schools)",
                "Sector": "Public (reference) or Catholic school",
                "Sex": "Female (reference) or Male",
                "Minority": "member of an ethnic minority: No (reference) or Yes",
                "SES": "socio-economic status, a standardised composite",
                "MathAch": "mathematics achievement score",
            },
            factors={
                "Sector": ["Public", "Catholic"],
                "Sex": ["Female", "Male"],
                "Minority": ["No", "Yes"],
            },
            model="mvbind(MathAch, SES) ~ Sex + Minority + Sector + (1 | p | School), gaussian",
        ),
        Dataset(
            "infection",
            "Multi-centre trial of a drug cream against a control at 8 clinics",
            "Beitler, P. J. and Landis, J. R. (1985). A mixed-effects model for categorical "
            "data. Biometrics 41:991-1000; also Agresti, A. and Hartzel, J. (2000), Statistics "
            "in Medicine 19:1115-1139, Table I. Maximum likelihood by adaptive quadrature "
            "(SAS NLMIXED): intercept -1.1974, drug 0.7385, clinic variance 1.9282.",
            {
                "clinic": "clinic identifier (1-8)",
                "treatment": "control (reference) or drug",
                "favorable": "patients with a favourable response (count)",
                "n": "patients treated (count)",
            },
            factors={"treatment": ["control", "drug"]},
            model="favorable | trials(n) ~ treatment + (1 | clinic), binomial",
        ),
        Dataset(
            "oats",
            "Yates's split-plot of 3 oat varieties and 4 nitrogen levels in 6 blocks",
            "R package nlme (data set Oats); Yates, F. (1935). Complex experiments. Supplement "
            "to the Journal of the Royal Statistical Society 2:181-247. Published LS-means "
            "(bushels per acre): varieties 104.5, 109.8, 97.6; nitrogen 79.4, 98.9, 114.2, "
            "123.4.",
            {
                "block": "block (I-VI)",
                "variety": "oat variety, on whole plots: Golden Rain, Marvellous, Victory",
                "nitro": "nitrogen applied (hundredweight per acre: 0, 0.2, 0.4, 0.6)",
                "nitrogen": "nitro as a factor on sub-plots: 0.0cwt (reference) to 0.6cwt",
                "yield": "yield (bushels per acre)",
            },
            factors={
                "block": ["I", "II", "III", "IV", "V", "VI"],
                "variety": ["Golden Rain", "Marvellous", "Victory"],
                "nitrogen": ["0.0cwt", "0.2cwt", "0.4cwt", "0.6cwt"],
            },
            model="yield ~ variety * nitrogen + (1 | block/variety), gaussian",
        ),
        Dataset(
            "sleepstudy",
            "Reaction times of 18 truck drivers over 10 days of sleep restriction",
            "R package lme4 (data set sleepstudy); Belenky, G., Wesensten, N. J., Thorne, D. R., "
            "et al. (2003). Patterns of performance degradation and restoration during sleep "
            "restriction and subsequent recovery. Journal of Sleep Research 12:1-12.",
            {
                "Reaction": "average reaction time (ms)",
                "Days": "days of sleep restriction (0-9; day 0 is baseline)",
                "Subject": "subject identifier",
            },
            model="Reaction ~ Days + (Days | Subject), gaussian",
        ),
    ],
    DataError,
)
"""Every bundled dataset by name."""


def list() -> builtins.list[str]:
    """Names of the bundled datasets.

    Examples
    --------
    >>> "cbpp" in list()
    True
    """
    return sorted(DATASETS)


def load(name: str) -> pd.DataFrame:
    """Load a bundled dataset as a new DataFrame.

    Factor columns come as categoricals whose first level is the reference
    level; see :func:`describe` for each dataset's source and columns.

    Parameters
    ----------
    name
        One of :func:`list`.

    Examples
    --------
    >>> load("cbpp")["period"].cat.categories.tolist()
    [1, 2, 3, 4]
    """
    dataset = DATASETS[name]
    with resources.files(__package__).joinpath("data", f"{name}.csv").open() as handle:
        data = pd.read_csv(handle)
    for column, levels in dataset.factors.items():
        data[column] = pd.Categorical(data[column], categories=levels)
    return data


def describe(name: str) -> str:
    """Source, citation, columns and units of a bundled dataset.

    Examples
    --------
    >>> print(describe("infection").splitlines()[0])
    infection: Multi-centre trial of a drug cream against a control at 8 clinics
    """
    return DATASETS[name].describe()


__all__ = [
    "HOSPITAL_TRUTH",
    "SPLIT_PLOT_TRUTH",
    "Dataset",
    "describe",
    "list",
    "load",
    "simulate_hospital",
    "simulate_split_plot",
]
