"""Simulated datasets with known truths, for case studies and teaching.

* :func:`simulate_hospital`: patients within doctors within hospitals, shaped like the
  UCLA IDRE "hdp" example of mixed-effects logistic regression (about 8,500 patients,
  about 400 doctors, 35 hospitals), with remission (bernoulli) and a tumour count
  (poisson). True values are in :data:`HOSPITAL_TRUTH`.
* :func:`simulate_split_plot`: Stroup's range experiment, plant counts from 7 range
  management treatments on whole plots in 4 blocks, each split into 4 seed-mix sub-plots.
  True values are in :data:`SPLIT_PLOT_TRUTH`.

Examples
--------
>>> data = simulate_hospital(seed=1)
>>> data["doctor"].nunique(), data["hospital"].nunique()
(407, 35)
>>> simulate_split_plot(seed=1).shape
(112, 4)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

HOSPITAL_TRUTH = {
    "remission": {
        "Intercept": -0.5,
        "il6": -0.06,
        "crp": -0.02,
        "stage[T.II]": -0.3,
        "stage[T.III]": -0.8,
        "stage[T.IV]": -2.3,
        "length_of_stay": -0.12,
        "experience": 0.12,
        "sd_doctor": 2.0,
    },
    "tumors": {
        "Intercept": 0.4,
        "age": 0.015,
        "stage[T.II]": 0.2,
        "stage[T.III]": 0.45,
        "stage[T.IV]": 0.8,
        "sd_doctor": 0.5,
    },
}
"""Generating values: fixed effects on the link scale (logit for remission, log for the
tumour count) and the doctor sd. Remission coefficients are of the size the UCLA page
reports for the real hospital data; age is centred at 50 years in the count model."""

SPLIT_PLOT_TRUTH = {
    "Intercept": 2.5,
    "management_effects": [0.0, 0.3, -0.2, 0.5, 0.1, -0.4, 0.2],
    "seed_mix_effects": [0.0, 0.25, -0.15, 0.4],
    "sd_block": 0.3,
    "sd_whole_plot": 0.25,
}
"""Log-scale generating values; the first level of each factor is the reference."""


def simulate_hospital(
    seed: int | None = None, n_hospitals: int = 35, n_doctors: int = 407
) -> pd.DataFrame:
    """Patients within doctors within hospitals, with remission and tumour counts.

    Columns: ``hospital``, ``doctor``, ``age`` (years), ``il6`` and ``crp`` (inflammation
    markers), ``stage`` (cancer stage I-IV), ``length_of_stay`` (days), ``experience``
    (the doctor's years of experience), ``remission`` (0/1) and ``tumors`` (count).
    Doctors' effects on remission and on the tumour count are independent normals with
    the sds in :data:`HOSPITAL_TRUTH`.
    """
    rng = np.random.default_rng(seed)
    hospital_of_doctor = np.concatenate(
        [np.arange(n_hospitals), rng.integers(0, n_hospitals, n_doctors - n_hospitals)]
    )
    patients = np.maximum(rng.poisson(21, n_doctors), 5)
    doctor = np.repeat(np.arange(n_doctors), patients)
    n = doctor.size
    experience = np.round(rng.uniform(7, 29, n_doctors))[doctor]
    age = rng.normal(50, 7, n)
    il6 = rng.gamma(2.0, 2.0, n)
    crp = rng.gamma(2.5, 2.0, n)
    stage = rng.choice(["I", "II", "III", "IV"], size=n, p=[0.3, 0.35, 0.25, 0.1])
    length_of_stay = np.clip(np.round(rng.normal(5.5, 1.2, n)), 2, 10)
    truth = HOSPITAL_TRUTH["remission"]
    stage_effect = {"I": 0.0} | {s: truth[f"stage[T.{s}]"] for s in ("II", "III", "IV")}
    eta = (
        truth["Intercept"]
        + truth["il6"] * il6
        + truth["crp"] * crp
        + np.vectorize(stage_effect.get)(stage)
        + truth["length_of_stay"] * (length_of_stay - 5)
        + truth["experience"] * (experience - 17)
        + rng.normal(0, truth["sd_doctor"], n_doctors)[doctor]
    )
    counts = HOSPITAL_TRUTH["tumors"]
    count_stage = {"I": 0.0} | {s: counts[f"stage[T.{s}]"] for s in ("II", "III", "IV")}
    log_mean = (
        counts["Intercept"]
        + counts["age"] * (age - 50)
        + np.vectorize(count_stage.get)(stage)
        + rng.normal(0, counts["sd_doctor"], n_doctors)[doctor]
    )
    return pd.DataFrame(
        {
            "hospital": hospital_of_doctor[doctor] + 1,
            "doctor": doctor + 1,
            "age": age.round(1),
            "il6": il6.round(3),
            "crp": crp.round(3),
            "stage": pd.Categorical(stage, categories=["I", "II", "III", "IV"]),
            "length_of_stay": length_of_stay,
            "experience": experience,
            "remission": rng.binomial(1, special.expit(eta)),
            "tumors": rng.poisson(np.exp(log_mean)),
        }
    )


def simulate_split_plot(seed: int | None = None) -> pd.DataFrame:
    """Plant counts from a split-plot range experiment (Stroup's GLMM example).

    Seven range management treatments (``management`` 1-7) are randomised to whole plots
    in each of 4 blocks; each whole plot is split into 4 sub-plots sown with seed mixes
    ``A``-``D``. ``count`` is the number of plants per sub-plot, poisson given the block
    and whole-plot effects, with the log-scale truths in :data:`SPLIT_PLOT_TRUTH`.
    """
    rng = np.random.default_rng(seed)
    truth = SPLIT_PLOT_TRUTH
    blocks, managements, mixes = 4, 7, 4
    block, management, mix = (
        grid.ravel()
        for grid in np.meshgrid(*map(np.arange, (blocks, managements, mixes)), indexing="ij")
    )
    whole_plot = rng.normal(0, truth["sd_whole_plot"], (blocks, managements))
    eta = (
        truth["Intercept"]
        + np.asarray(truth["management_effects"])[management]
        + np.asarray(truth["seed_mix_effects"])[mix]
        + rng.normal(0, truth["sd_block"], blocks)[block]
        + whole_plot[block, management]
    )
    return pd.DataFrame(
        {
            "block": block + 1,
            "management": pd.Categorical(management + 1),
            "seed_mix": pd.Categorical(np.array(list("ABCD"))[mix]),
            "count": rng.poisson(np.exp(eta)),
        }
    )
