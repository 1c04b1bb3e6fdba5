"""A catalogue of hostile input (issue 15): every bad input ends in one bayesglmm error that
names the column or term and the fix, or in a correct fit; the caller's data are never
modified and no row is dropped silently.

Each case is ``(id, make the input, do the bad thing, error class, message fragment)``,
grouped by kind: data types, names and formulas, model arguments, degenerate designs, new
data and result methods, saved fits, sampler arguments. Decisions about inputs that fit (or
warn) are tested at the end.
"""

import copy
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pytest

import bayesglmm as bg

from .test_save import edit_root

ROWS = 40


class Case(NamedTuple):
    """One hostile input: ``call(make(base))`` must raise ``error`` whose message contains
    ``message`` (equals it when ``exact``)."""

    id: str
    make: Callable[[Any], Any]
    call: Callable[..., Any]
    error: type[bg.BayesGLMMError]
    message: str
    exact: bool = False


def base() -> pd.DataFrame:
    """Small, ordinary data: a response, a predictor, a factor, groups, counts, times."""
    rng = np.random.default_rng(15)
    return pd.DataFrame(
        {
            "y": rng.normal(size=ROWS),
            "x": rng.normal(size=ROWS),
            "f": np.tile(["p", "q"], ROWS // 2),
            "g": np.repeat(list("abcdefgh"), ROWS // 8),
            "c": rng.poisson(3.0, ROWS),
            "t": np.tile([1, 2, 3, 4, 5], ROWS // 5),
            "n": 10,
            "s": rng.binomial(10, 0.3, ROWS),
        }
    )


def model(formula, **options) -> Callable[[Any], bg.Model]:
    return lambda data: bg.Model(formula, data, **options)


def same(data: pd.DataFrame) -> pd.DataFrame:
    return data


def assert_unchanged(before: Any, after: Any) -> None:
    if isinstance(after, pd.DataFrame):
        pd.testing.assert_frame_equal(after, before)
    elif isinstance(after, pd.Series):
        pd.testing.assert_series_equal(after, before)
    elif isinstance(after, np.ndarray):
        np.testing.assert_array_equal(after, before)
    else:
        assert after == before


def assert_error(caught: pytest.ExceptionInfo, case: Case) -> None:
    assert type(caught.value) is case.error, f"{type(caught.value).__name__}: {caught.value}"
    text = str(caught.value)
    if case.exact:
        assert text == case.message
    else:
        assert case.message in text, text


BAD_DATA_TYPES = [
    Case(
        "data-dict",
        lambda d: d.to_dict("list"),
        model("y ~ x"),
        bg.DataError,
        "data must be a DataFrame (pandas, polars, or any table with __dataframe__ or "
        "__arrow_c_stream__), not dict; wrap it with pandas.DataFrame(...).",
        exact=True,
    ),
    Case("data-list", lambda d: d.values.tolist(), model("y ~ x"), bg.DataError, "not list;"),
    Case("data-ndarray", lambda d: d.to_numpy(), model("y ~ x"), bg.DataError, "not ndarray;"),
    Case("data-none", lambda d: None, model("y ~ x"), bg.DataError, "not NoneType;"),
    Case("data-series", lambda d: d["y"], model("y ~ x"), bg.DataError, "not Series;"),
    Case(
        "column-of-lists",
        lambda d: d.assign(x=[[1.0, 2.0]] * ROWS),
        model("y ~ x"),
        bg.DataError,
        "data column 'x' (used in 'x') holds list values such as [1.0, 2.0], but a formula "
        "needs one number or label per row",
    ),
    Case(
        "column-of-dicts",
        lambda d: d.assign(x=[{"a": 1}] * ROWS),
        model("y ~ x"),
        bg.DataError,
        "data column 'x' (used in 'x') holds dict values",
    ),
    Case(
        "column-of-sets",
        lambda d: d.assign(g=[{i % 3} for i in range(ROWS)]),
        model("y ~ x + (1 | g)"),
        bg.DataError,
        "data column 'g' (used in '(1 | g)') holds set values",
    ),
    Case(
        "complex-numbers",
        lambda d: d.assign(x=d["x"] + 1j),
        model("y ~ x"),
        bg.DataError,
        "data column 'x' (used in 'x') holds complex numbers, which a model cannot use; give "
        "their real and imaginary parts as two columns (np.real, np.imag) or their size (np.abs).",
        exact=True,
    ),
    Case(
        "bytes",
        lambda d: d.assign(f=[b"p", b"q"] * (ROWS // 2)),
        model("y ~ x + f"),
        bg.DataError,
        "data column 'f' (used in 'x + f') holds bytes such as b'p'; decode them to text "
        "first, data['f'].str.decode('utf-8').",
        exact=True,
    ),
    Case(
        "mixed-int-str-predictor",
        lambda d: d.assign(c=d["c"].astype(object).where(d.index != 3, "n/a")),
        model("y ~ c"),
        bg.DataError,
        "data column 'c' (used in 'c') mixes numbers and text (such as",
    ),
    Case(
        "mixed-labels-that-read-alike",
        lambda d: d.assign(g=[1, "1", 2, "b"] * (ROWS // 4)),
        model("y ~ x + (1 | g)"),
        bg.DataError,
        "column 'g' has different values that read the same as labels ('1')",
    ),
    Case(
        "boolean-response-gaussian",
        lambda d: d.assign(y=d["y"] > 0),
        model("y ~ x"),
        bg.DataError,
        "response 'y' holds true/false values, but family 'gaussian' models numbers; use "
        "family='bernoulli'",
    ),
    Case(
        "categorical-response-poisson",
        lambda d: d.assign(c=pd.Categorical(d["c"])),
        model("c ~ x", family="poisson"),
        bg.DataError,
        "response 'c' must be numeric for family 'poisson', but it holds category values",
    ),
    Case(
        "strings-in-numeric-response",
        lambda d: d.assign(y=d["y"].round(2).astype(str)),
        model("y ~ x"),
        bg.DataError,
        "response 'y' must be numeric for family 'gaussian', but it holds str values",
    ),
    Case(
        "inf-in-response",
        lambda d: d.assign(y=np.r_[np.inf, d["y"][1:]]),
        model("y ~ x"),
        bg.DataError,
        "response 'y' must be finite for family 'gaussian'; row 0 has inf.",
    ),
    Case(
        "minus-inf-in-response",
        lambda d: d.assign(y=np.r_[d["y"][:5], -np.inf, d["y"][6:]]),
        model("y ~ x"),
        bg.DataError,
        "row 5 has -inf",
    ),
    Case(
        "inf-in-predictor",
        lambda d: d.assign(x=np.r_[d["x"][:2], np.inf, d["x"][3:]]),
        model("y ~ x"),
        bg.DataError,
        "column 'x' of the fixed effects is not finite in rows [2]",
    ),
    Case(
        "nan-in-grouping-factor",
        lambda d: d.assign(g=d["g"].where(d.index != 7)),
        model("y ~ x + (1 | g)"),
        bg.DataError,
        "missing values in 'g' (1); first rows with missing values: [7]. Fill or remove them, "
        "or pass na_action='drop'",
    ),
    Case(
        "nullable-int-with-na",
        lambda d: d.assign(c=pd.array([pd.NA, *d["c"][1:]], dtype="Int64")),
        model("y ~ c"),
        bg.DataError,
        "missing values in 'c' (1); first rows with missing values: [0].",
    ),
    Case(
        "empty-frame",
        lambda d: d.iloc[:0],
        model("y ~ x"),
        bg.DataError,
        "data has no rows; a model needs at least one observation.",
        exact=True,
    ),
    Case(
        "one-row",
        lambda d: d.head(1),
        model("y ~ x"),
        bg.DataError,
        "the fixed effects have 2 columns but the data has only 1 rows",
    ),
    Case(
        "zero-columns",
        lambda d: pd.DataFrame(index=d.index),
        model("y ~ x"),
        bg.DataError,
        "column 'y' (used in 'y') is not in the data. The data has no columns.",
        exact=True,
    ),
    Case(
        "multiindex-columns",
        lambda d: d.set_axis(pd.MultiIndex.from_product([["a"], d.columns]), axis=1),
        model("y ~ x"),
        bg.DataError,
        "data has columns on 2 levels (a MultiIndex: ('a', 'y'), ('a', 'x'), ('a', 'f'), ...); "
        "a formula names columns by one label. Flatten them first",
    ),
    Case(
        "integer-column-names",
        lambda d: d[["y", "x"]].set_axis([0, 1], axis=1),
        model("0 ~ 1"),
        bg.FormulaError,
        "the response '0' names no data column; write the response column before '~', as in "
        "'y ~ x' (a column whose name is a number goes in backticks, `0`)",
    ),
    Case(
        "integer-column-names-by-text",
        lambda d: d[["y", "x"]].set_axis([0, 1], axis=1),
        model("y ~ x"),
        bg.DataError,
        "column 'y' (used in 'y') is not in the data. The data has columns: 0, 1.",
        exact=True,
    ),
    Case(
        "space-in-name-without-backticks",
        lambda d: d.rename(columns={"x": "my x"}),
        model("y ~ my x"),
        bg.FormulaError,
        "Missing operator between `my` and `x`. A column name with spaces or symbols goes in "
        "backticks, as in `my x`.",
    ),
    Case(
        "symbol-in-name-without-backticks",
        lambda d: d.rename(columns={"x": "dose-mg"}),
        model("y ~ dose-mg"),
        bg.DataError,
        "column 'dose' (used in 'dose - mg') is not in the data. The column 'dose-mg' has "
        "characters a formula reads as operators; write it in backticks, `dose-mg`.",
    ),
    Case(
        "space-in-grouping-name",
        lambda d: d.rename(columns={"g": "my g"}),
        model("y ~ x + (1 | my g)"),
        bg.FormulaError,
        "a name with spaces or symbols goes in backticks, as in `my g`",
    ),
    Case(
        "duplicated-column-name",
        lambda d: pd.concat([d, d[["x"]]], axis=1),
        model("y ~ x"),
        bg.DataError,
        "the data has 2 columns named 'x' (used in 'x'); give each column a unique name.",
        exact=True,
    ),
    Case(
        "timedelta-predictor",
        lambda d: d.assign(x=pd.to_timedelta(d["t"], unit="D")),
        model("y ~ x"),
        bg.DataError,
        "data column 'x' (used in 'x') holds timedelta64",
    ),
    Case(
        "date-objects-predictor",
        lambda d: d.assign(x=[pd.Timestamp("2020-01-01").date()] * ROWS),
        model("y ~ x"),
        bg.DataError,
        "data column 'x' (used in 'x') holds date values such as datetime.date(2020, 1, 1)",
    ),
]

BAD_NAMES_AND_FORMULAS = [
    Case(
        "unknown-column",
        same,
        model("y ~ xx"),
        bg.DataError,
        "column 'xx' (used in 'xx') is not in the data. Did you mean 'x'?",
    ),
    Case(
        "unknown-column-in-random-slope",
        same,
        model("y ~ x + (xz | g)"),
        bg.DataError,
        "column 'xz' (used in '(xz | g)') is not in the data. Did you mean 'x'?",
    ),
    Case(
        "random-term-on-missing-column",
        same,
        model("y ~ x + (1 | clinic)"),
        bg.DataError,
        "column 'clinic' (used in '(1 | clinic)') is not in the data.",
    ),
    Case(
        "unknown-function",
        same,
        model("y ~ logg(x)"),
        bg.FormulaError,
        "'logg' in 'logg(x)' is not allowed: formulas may use data columns",
    ),
    Case(
        "unknown-function-did-you-mean",
        same,
        model("y ~ sqr(x)"),
        bg.FormulaError,
        "Did you mean 'sqrt'?",
    ),
    Case(
        "unclosed-bracket",
        same,
        model("y ~ (x + f"),
        bg.FormulaError,
        "this '(' is never closed; expected ')' after it\n  y ~ (x + f\n      ^",
        exact=True,
    ),
    Case(
        "unmatched-closing-bracket",
        same,
        model("y ~ x)"),
        bg.FormulaError,
        "unmatched ')': there is no opening bracket before it",
    ),
    Case(
        "two-tildes",
        same,
        model("y ~ x ~ f"),
        bg.FormulaError,
        "expected only one '~' in the formula",
    ),
    Case(
        "empty-formula",
        same,
        model(""),
        bg.FormulaError,
        "expected '~' between the response and the predictors",
    ),
    Case(
        "formula-int",
        same,
        model(3),
        bg.FormulaError,
        "the formula must be a string such as 'y ~ x + (1 | g)', not int",
        exact=True,
    ),
    Case("formula-none", same, model(None), bg.FormulaError, "not NoneType"),
    Case("formula-list", same, model(["y ~ x"]), bg.FormulaError, "not list"),
    Case(
        "response-missing",
        same,
        model("~ x"),
        bg.FormulaError,
        "expected a response before '~', as in 'y ~ x'",
    ),
    Case(
        "response-a-number",
        same,
        model("log(2) ~ x"),
        bg.FormulaError,
        "the response 'log(2)' names no data column",
    ),
    Case("trailing-plus", same, model("y ~ x +"), bg.FormulaError, "expected a term after '+'"),
    Case(
        "empty-grouping-factor",
        same,
        model("y ~ x + (1 | )"),
        bg.FormulaError,
        "expected a grouping factor after '|', as in '(1 | subject)'\n  y ~ x + (1 | )\n"
        "               ^",
        exact=True,
    ),
    Case(
        "two-bars-in-random-term",
        same,
        model("y ~ x + (x | g | f | h)"),
        bg.FormulaError,
        "expected one '|' in a random term, or two around a correlation ID as in '(1 | p | g)'",
    ),
    Case(
        "gr-cov-not-given",
        same,
        model("y ~ x + (1 | gr(g, cov = A))"),
        bg.DataError,
        "'(1 | gr(g, cov = A))' uses the covariance 'A', but it was not given (given: none); "
        "pass Model(..., covariances={'A': A})",
    ),
    Case(
        "ar1-with-one-time-level",
        lambda d: d.assign(t=1),
        model("y ~ x + ar1(t | g)"),
        bg.DataError,
        "'ar1(t | g)' needs at least 2 time levels in 't', found 1.",
        exact=True,
    ),
    Case(
        "unknown-family",
        same,
        model("c ~ x", family="poison"),
        bg.FamilyError,
        "unknown family 'poison'. Did you mean 'poisson'? Known families: gaussian,",
    ),
    Case(
        "family-object",
        same,
        model("c ~ x", family=bg.FAMILIES["poisson"]),
        bg.FamilyError,
        "family must be a name such as 'poisson', not Family; for this one write family='poisson'.",
        exact=True,
    ),
    Case(
        "unknown-link",
        same,
        model("c ~ x", family="poisson", link="logg"),
        bg.FamilyError,
        "family 'poisson' does not support link 'logg'; use one of: log, sqrt.",
        exact=True,
    ),
    Case(
        "link-the-family-lacks",
        same,
        model("y ~ x", family="gamma", link="logit"),
        bg.FamilyError,
        "family 'gamma' does not support link 'logit'; use one of: log, inverse, identity.",
        exact=True,
    ),
    Case(
        "unknown-prior-key",
        same,
        model("y ~ x", priors={"sigm": bg.priors.HalfNormal(1)}),
        bg.PriorError,
        "unknown prior key 'sigm'. Did you mean 'sigma'? Valid keys: Intercept, b[x], sigma, b.",
        exact=True,
    ),
    Case(
        "normal-prior-on-an-sd",
        same,
        model("y ~ x + (1 | g)", priors={"sd[g]": bg.priors.Normal(0, 1)}),
        bg.PriorError,
        "priors['sd[g]'] is Normal(mu=0, sigma=1), a prior on real values, but "
        "'sd[g][Intercept]' is positive; use HalfNormal",
    ),
    Case(
        "prior-a-float",
        same,
        model("y ~ x", priors={"b": 2.5}),
        bg.PriorError,
        "priors['b'] must be a prior such as bg.priors.Normal(0, 1), not float.",
    ),
    Case(
        "prior-a-string",
        same,
        model("y ~ x", priors={"b": "normal(0, 1)"}),
        bg.PriorError,
        "priors['b'] must be a prior such as bg.priors.Normal(0, 1), not str.",
    ),
    Case(
        "priors-a-list",
        same,
        model("y ~ x", priors=[bg.priors.Normal(0, 1)]),
        bg.PriorError,
        "priors must map keys to priors, such as {'b': bg.priors.Normal(0, 1)}, not list",
    ),
    Case(
        "prior-infinite-scale",
        same,
        lambda d: bg.priors.Normal(0, np.inf),
        bg.PriorError,
        "Normal: sigma must be a finite number, got inf",
        exact=True,
    ),
    Case(
        "prior-text-parameter",
        same,
        lambda d: bg.priors.HalfNormal("1"),
        bg.PriorError,
        "HalfNormal: sigma must be a finite number, got '1'",
        exact=True,
    ),
    Case(
        "residual-on-poisson",
        same,
        model("c ~ x", family="poisson", residual="ar1(t | g)"),
        bg.FormulaError,
        "residual='ar1(t | g)' correlates gaussian residuals; family 'poisson' has none.",
    ),
    Case(
        "parameter-the-family-lacks",
        same,
        lambda d: bg.Model(bg.formula("y ~ x", shape="~ x"), d),
        bg.FormulaError,
        "family 'gaussian' has no parameter 'shape' to model; its parameters are: sigma.",
    ),
    Case(
        "na-action-unknown",
        same,
        model("y ~ x", na_action="omit"),
        bg.DataError,
        "na_action must be one of ('error', 'drop'), not 'omit'.",
        exact=True,
    ),
    Case(
        "centered-unknown-group",
        same,
        model("y ~ x + (1 | g)", centered=["gg"]),
        bg.DataError,
        "centered= names ['gg'], which are not grouping factors of this model. Did you mean "
        "'g'? The grouping factors are: g (centered=True centres them all, 'auto' chooses).",
        exact=True,
    ),
    Case(
        "centered-yes",
        same,
        model("y ~ x + (1 | g)", centered="yes"),
        bg.DataError,
        "centered= names ['yes'], which are not grouping factors of this model.",
    ),
    Case(
        "centered-a-number",
        same,
        model("y ~ x + (1 | g)", centered=1),
        bg.DataError,
        "centered= takes 'auto', True, False or a list of grouping factors, not 1; the "
        "grouping factors are: g.",
        exact=True,
    ),
    Case(
        "overdispersion-no",
        same,
        model("c ~ x", family="poisson", overdispersion="no"),
        bg.DataError,
        "overdispersion= takes True or False, not 'no'",
    ),
    Case(
        "covariances-a-list",
        same,
        model("y ~ x + (1 | gr(g, cov = A))", covariances=[np.eye(8)]),
        bg.DataError,
        "covariances= maps the names in gr(g, cov = A) terms to DataFrames",
    ),
]

DEGENERATE_DESIGNS = [
    Case(
        "negative-counts",
        lambda d: d.assign(c=d["c"] - 10),
        model("c ~ x", family="poisson"),
        bg.DataError,
        "response 'c' must hold whole counts of 0 or more for family 'poisson'; row 0 has",
    ),
    Case(
        "non-integer-counts",
        lambda d: d.assign(c=d["c"] + 0.5),
        model("c ~ x", family="negbinomial"),
        bg.DataError,
        "response 'c' must hold whole counts of 0 or more for family 'negbinomial'",
    ),
    Case(
        "zero-for-gamma",
        lambda d: d.assign(y=np.r_[0.0, np.abs(d["y"][1:])]),
        model("y ~ x", family="gamma"),
        bg.DataError,
        "response 'y' must be greater than 0 for family 'gamma'; row 0 has 0.",
    ),
    Case(
        "negative-for-lognormal",
        lambda d: d.assign(y=-np.abs(d["y"])),
        model("y ~ x", family="lognormal"),
        bg.DataError,
        "response 'y' must be greater than 0 for family 'lognormal'",
    ),
    Case(
        "one-for-beta",
        lambda d: d.assign(y=np.r_[1.0, np.full(ROWS - 1, 0.4)]),
        model("y ~ x", family="beta"),
        bg.DataError,
        "response 'y' must lie strictly between 0 and 1 for family 'beta'; row 0 has 1.",
    ),
    Case(
        "successes-above-trials",
        lambda d: d.assign(s=d["n"] + 1),
        model("s | trials(n) ~ x", family="binomial"),
        bg.DataError,
        "successes 's' exceed trials 'n' in 40 rows; row 0 has 11 successes in 10 trials.",
    ),
    Case(
        "fractional-trials",
        lambda d: d.assign(n=10.5),
        model("s | trials(n) ~ x", family="binomial"),
        bg.DataError,
        "trials 'n' must be whole numbers of 0 or more",
    ),
    Case(
        "grouping-factor-with-one-level",
        lambda d: d.assign(g="a"),
        model("y ~ x + (1 | g)"),
        bg.DataError,
        "grouping factor 'g' in '(1 | g)' has only one level ('a'); a random effect needs at "
        "least 2 levels",
    ),
    Case(
        "every-row-dropped",
        lambda d: d.assign(x=np.nan),
        model("y ~ x", na_action="drop"),
        bg.DataError,
        "every row has a missing value in 'x' (40); nothing is left to fit.",
        exact=True,
    ),
    Case(
        "ten-thousand-levels-as-fixed",
        lambda d: pd.DataFrame({"y": np.zeros(10_000), "k": [f"k{i}" for i in range(10_000)]}),
        model("y ~ k"),
        bg.DataError,
        "data column 'k' (used in 'k') is a factor with 10000 levels, more than 1000: as a "
        "predictor it needs a coefficient and a design column per level. Model it as a "
        "grouping factor instead, '(1 | k)', or merge its levels.",
        exact=True,
    ),
    Case(
        "constant-predictor",
        lambda d: d.assign(z=3.0),
        model("y ~ x + z"),
        bg.DataError,
        "the fixed effect 'z' is 3 in every row, so it cannot be told apart from the "
        "intercept; remove it from the formula.",
        exact=True,
    ),
    Case(
        "single-level-factor",
        lambda d: d.assign(f=pd.Categorical(["p"] * ROWS, categories=["p", "q"])),
        model("y ~ x + f"),
        bg.DataError,
        "column 'f' (used in 'x + f') has one level in the data ('p'), so it has no effect to "
        "estimate beside the intercept",
    ),
    Case(
        "offset-log-of-zero",
        lambda d: d.assign(n=0),
        model("c ~ x + offset(log(n))", family="poisson"),
        bg.DataError,
        "offset(log(n)) is not finite in 40 rows",
    ),
]


@pytest.mark.parametrize(
    "case",
    BAD_DATA_TYPES + BAD_NAMES_AND_FORMULAS + DEGENERATE_DESIGNS,
    ids=lambda case: case.id,
)
def test_bad_model_input_is_one_package_error(case):
    data = case.make(base())
    before = copy.deepcopy(data)
    with pytest.raises(bg.BayesGLMMError) as caught:
        case.call(data)
    assert_error(caught, case)
    assert_unchanged(before, data)


@pytest.fixture(scope="module")
def fitted():
    """One small fit shared by the new-data and result-method cases."""
    model = bg.Model("y ~ x + f + (1 | g)", base())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bg.ConvergenceWarning)
        return model.fit(draws=100, tune=100, chains=2, seed=1, progress=False)


def newdata() -> pd.DataFrame:
    return base().head(4)


BAD_NEW_DATA = [
    Case(
        "missing-column",
        lambda d: d.drop(columns="x"),
        lambda fit, d: fit.predict(d),
        bg.DataError,
        "newdata has no column 'x' (used in 'x + f'). Add it: predictions need every "
        "predictor, grouping factor and offset.",
        exact=True,
    ),
    Case(
        "new-level-of-a-fixed-factor",
        lambda d: d.assign(f="zz"),
        lambda fit, d: fit.predict(d),
        bg.DataError,
        "newdata has categories in 'x + f' that the fit has not seen: {'zz'}.",
    ),
    Case(
        "text-where-the-fit-had-numbers",
        lambda d: d.assign(x="a"),
        lambda fit, d: fit.predict(d),
        bg.DataError,
        "newdata column 'x' (used in 'x + f') holds labels such as 'a', but the fit used it as "
        "a number; convert it with pd.to_numeric(newdata['x']).",
        exact=True,
    ),
    Case(
        "numbers-where-the-fit-had-a-factor",
        lambda d: d.assign(f=1.0),
        lambda fit, d: fit.predict(d),
        bg.DataError,
        "newdata column 'f' (used in 'x + f') holds numbers, but the fit used it as a factor "
        "with levels p, q",
    ),
    Case(
        "nan",
        lambda d: d.assign(x=[np.nan, 1.0, np.nan, 2.0]),
        lambda fit, d: fit.predict(d),
        bg.DataError,
        "newdata has missing values in 'x' (2); drop or fill those rows before predicting.",
        exact=True,
    ),
    Case(
        "inf",
        lambda d: d.assign(x=[np.inf, 1.0, 2.0, 3.0]),
        lambda fit, d: fit.predict(d),
        bg.DataError,
        "newdata gives 'x' (in 'x + f') values that are not finite in rows [0]",
    ),
    Case(
        "list-column",
        lambda d: d.assign(x=[[1.0]] * 4),
        lambda fit, d: fit.predict(d),
        bg.DataError,
        "newdata column 'x' (used in 'x + f') holds list values",
    ),
    Case(
        "not-a-data-frame",
        lambda d: d.to_dict("list"),
        lambda fit, d: fit.predict(d),
        bg.DataError,
        "newdata must be a DataFrame (pandas, polars, or any table with __dataframe__ or "
        "__arrow_c_stream__), not dict",
    ),
    Case(
        "a-series-row",
        lambda d: d.iloc[0],
        lambda fit, d: fit.predict(d),
        bg.DataError,
        "pandas.DataFrame([row]) for one row",
    ),
    Case(
        "empty-newdata",
        lambda d: d.iloc[:0],
        lambda fit, d: fit.predict(d),
        bg.DataError,
        "newdata has no rows; give at least one row to predict.",
        exact=True,
    ),
    Case(
        "re-unknown",
        same,
        lambda fit, d: fit.predict(d, re="marginl"),
        bg.ArgumentError,
        "re must be one of 'conditional', 'marginal', 'none', not 'marginl'. Did you mean "
        "'marginal'?",
        exact=True,
    ),
    Case(
        "kind-unknown",
        same,
        lambda fit, d: fit.predict(d, kind="prob"),
        bg.ArgumentError,
        "kind must be one of 'mean', 'linpred', 'response', not 'prob'.",
        exact=True,
    ),
    Case(
        "ndraws-zero",
        same,
        lambda fit, d: fit.predict(d, ndraws=0),
        bg.ArgumentError,
        "ndraws must be a positive whole number of draws, not 0; for example ndraws=100, or "
        "ndraws=None for all 200.",
        exact=True,
    ),
    Case(
        "ndraws-fraction",
        same,
        lambda fit, d: fit.predict(d, ndraws=2.5),
        bg.ArgumentError,
        "not 2.5",
    ),
    Case(
        "new-level-refused",
        lambda d: d.assign(g="zz"),
        lambda fit, d: fit.predict(d, new_levels="error"),
        bg.DataError,
        "newdata has levels of 'g' that the fit has not seen: 'zz'.",
    ),
    Case(
        "seed-text",
        same,
        lambda fit, d: fit.predict(d, kind="response", seed="one"),
        bg.ArgumentError,
        "seed must be a whole number of 0 or more (or None), not 'one'",
    ),
    Case(
        "effects-unknown-variable",
        same,
        lambda fit, d: fit.effects("xx"),
        bg.DataError,
        "'xx' is not a predictor of this model. Did you mean 'x'? Choose from f, x.",
        exact=True,
    ),
    Case(
        "effects-of-the-response",
        same,
        lambda fit, d: fit.effects("y"),
        bg.DataError,
        "'y' is not a predictor of this model.",
    ),
    Case(
        "effects-of-a-grouping-factor",
        same,
        lambda fit, d: fit.effects("g"),
        bg.DataError,
        "'g' is not a predictor of this model.",
    ),
    Case(
        "effects-by-itself",
        same,
        lambda fit, d: fit.effects("x", by="x"),
        bg.DataError,
        "by='x' is the variable itself",
    ),
    Case(
        "contrast-unknown-level",
        same,
        lambda fit, d: fit.contrast("f", "r - p"),
        bg.DataError,
        "'r' in contrast 'r - p' is not a level. Levels are p, q.",
        exact=True,
    ),
    Case(
        "contrast-malformed",
        same,
        lambda fit, d: fit.contrast("f", "q vs p"),
        bg.FormulaError,
        "a contrast reads 'level - other level' (with spaces around ' - '), e.g. 'q - p'; got "
        "'q vs p'",
        exact=True,
    ),
    Case(
        "contrast-of-a-level-with-itself",
        same,
        lambda fit, d: fit.contrast("f", "q - q"),
        bg.DataError,
        "contrast 'q - q' compares level 'q' with itself",
    ),
    Case(
        "contrast-not-text",
        same,
        lambda fit, d: fit.contrast("f", 1),
        bg.FormulaError,
        "a contrast is text that reads 'level - other level'",
    ),
    Case(
        "contrast-unknown-scale",
        same,
        lambda fit, d: fit.contrast("f", "q - p", scale="logit"),
        bg.ArgumentError,
        "scale must be one of 'link', 'response', 'odds_ratio', 'ratio', not 'logit'.",
    ),
    Case(
        "hypothesis-unknown-parameter",
        same,
        lambda fit, d: fit.hypothesis("b[z] > 0"),
        bg.DataError,
        "'b[z]' in 'b[z] > 0' is not a parameter. Did you mean 'b[x]'? Parameters are",
    ),
    Case(
        "hypothesis-doubled-operator",
        same,
        lambda fit, d: fit.hypothesis("b[x] >> 0"),
        bg.FormulaError,
        "a hypothesis compares two expressions with one of <, >, <=, >= or =, e.g. 'b[x] > 0'; "
        "got 'b[x] >> 0'",
        exact=True,
    ),
    Case(
        "hypothesis-without-comparison",
        same,
        lambda fit, d: fit.hypothesis("b[x]"),
        bg.FormulaError,
        "got 'b[x]'",
    ),
    Case(
        "hypothesis-not-text",
        same,
        lambda fit, d: fit.hypothesis(3),
        bg.FormulaError,
        "hypothesis() takes a statement such as 'b[x] > 0' or a list of them, not 3.",
        exact=True,
    ),
    Case(
        "hypothesis-list-with-a-number",
        same,
        lambda fit, d: fit.hypothesis(["b[x] > 0", 0]),
        bg.FormulaError,
        "a hypothesis is text such as 'b[x] > 0', not int 0",
    ),
    Case(
        "hypothesis-divides-by-zero",
        same,
        lambda fit, d: fit.hypothesis("b[x] / 0 > 1"),
        bg.DataError,
        "hypothesis 'b[x] / 0 > 1' is not finite in 200 of 200 draws",
    ),
    Case(
        "ppc-unknown-kind",
        same,
        lambda fit, d: fit.ppc(kind="histogram"),
        bg.ArgumentError,
        "kind must be one of 'density', 'rootogram', 'calibration', 'zeros', 'stat', not "
        "'histogram'.",
    ),
]


@pytest.mark.parametrize("case", BAD_NEW_DATA, ids=lambda case: case.id)
def test_bad_new_data_and_result_arguments_are_one_package_error(fitted, case):
    data = case.make(newdata())
    before = copy.deepcopy(data)
    with pytest.raises(bg.BayesGLMMError) as caught:
        case.call(fitted, data)
    assert_error(caught, case)
    assert_unchanged(before, data)


@pytest.fixture(scope="module")
def saved(fitted, tmp_path_factory):
    path = tmp_path_factory.mktemp("catalogue") / "fit.zarr"
    fitted.save(path)
    return path


def _write(path: Path, files: dict[str, bytes]) -> Path:
    path.mkdir()
    for name, content in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(content)
    return path


def _edited_store(store: Path, change) -> Path:
    edit_root(store, change)
    return store


BAD_STORES = [
    Case(
        "empty-directory",
        lambda s: _write(s.parent / "empty", {}),
        bg.load,
        bg.StoreError,
        "is not a fit saved by bayesglmm: it has no 'zarr.json'.",
    ),
    Case(
        "directory-of-random-files",
        lambda s: _write(s.parent / "random", {"notes.txt": b"hello", "a/b.bin": bytes(range(9))}),
        bg.load,
        bg.StoreError,
        "is not a fit saved by bayesglmm: it has no 'zarr.json'.",
    ),
    Case(
        "zarr-v2-store",
        lambda s: _write(s.parent / "v2.zarr", {".zgroup": b'{"zarr_format": 2}'}),
        bg.load,
        bg.StoreError,
        "is not a fit saved by bayesglmm: it has no 'zarr.json'.",
    ),
    Case(
        "root-metadata-a-json-list",
        lambda s: _write(s.parent / "list.zarr", {"zarr.json": b"[1, 2]"}),
        bg.load,
        bg.StoreError,
        "zarr.json' is not the metadata of a zarr group; restore the store from a copy",
    ),
    Case(
        "root-metadata-binary",
        lambda s: _write(s.parent / "binary.zarr", {"zarr.json": bytes([0xFF, 0xFE, 0x00, 0x81])}),
        bg.load,
        bg.StoreError,
        "zarr.json' is not readable JSON (UnicodeDecodeError",
    ),
    Case(
        "group-metadata-deleted",
        lambda s: (s / "posterior" / "zarr.json").unlink() or s,
        bg.load,
        bg.StoreError,
        "posterior/zarr.json' is missing from the saved fit",
    ),
    Case(
        "manifest-of-another-format",
        lambda s: _edited_store(s, lambda a: a["bayesglmm_manifest"].update(format="other")),
        bg.load,
        bg.StoreError,
        "does not mark a fit saved by bayesglmm",
    ),
    Case(
        "manifest-without-file-table",
        lambda s: _edited_store(s, lambda a: a["bayesglmm_manifest"].update(files=[])),
        bg.load,
        bg.StoreError,
        "has no table of file checksums",
    ),
    Case(
        "a-file-inside-the-store",
        lambda s: s / "zarr.json",
        bg.load,
        bg.StoreError,
        "zarr.json' is a file, not a fit saved by bayesglmm (a directory).",
    ),
    Case(
        "load-a-number",
        lambda s: 3,
        bg.load,
        bg.StoreError,
        "the path of a saved fit must be text or a pathlib.Path, not int (3); for example "
        "bg.load('fit.zarr').",
        exact=True,
    ),
    Case("load-none", lambda s: None, bg.load, bg.StoreError, "not NoneType (None)"),
]


@pytest.mark.parametrize("case", BAD_STORES, ids=lambda case: case.id)
def test_bad_saved_fits_are_one_store_error(saved, tmp_path, case):
    store = Path(shutil.copytree(saved, tmp_path / "fit.zarr"))
    with pytest.raises(bg.BayesGLMMError) as caught:
        case.call(case.make(store))
    assert_error(caught, case)


def test_saving_to_a_path_that_is_not_text_is_a_store_error(fitted):
    with pytest.raises(bg.StoreError) as caught:
        fitted.save(["fit.zarr"])
    assert str(caught.value) == (
        "the path of a saved fit must be text or a pathlib.Path, not list (['fit.zarr']); for "
        "example fit.save('fit.zarr')."
    )


def fit_with(**options) -> Callable[[bg.Model], bg.Fit]:
    return lambda m: m.fit(progress=False, **{"draws": 10, "tune": 10, "chains": 1, **options})


def poisson_model(m: bg.Model) -> bg.Model:
    return bg.Model("c ~ x + (1 | g)", base(), family="poisson")


BAD_SAMPLER_ARGUMENTS = [
    Case(
        "unknown-sampler",
        same,
        fit_with(sampler="gibs"),
        bg.SamplerError,
        "unknown sampler 'gibs'. Did you mean 'gibbs'? Known samplers: nutpie, pymc, gibbs, auto.",
        exact=True,
    ),
    Case("sampler-a-list", same, fit_with(sampler=["nutpie"]), bg.SamplerError, "unknown sampler"),
    Case(
        "gibbs-on-poisson",
        poisson_model,
        fit_with(sampler="gibbs"),
        bg.SamplerError,
        "sampler='gibbs' cannot fit this model: family 'poisson' with link 'log' is not "
        "conditionally conjugate",
    ),
    Case(
        "draws-text",
        same,
        fit_with(draws="100"),
        bg.SamplerError,
        "draws must be a positive whole number, got '100'; for example fit(draws=1000).",
        exact=True,
    ),
    Case("chains-zero", same, fit_with(chains=0), bg.SamplerError, "chains must be a positive"),
    Case("tune-fraction", same, fit_with(tune=1.5), bg.SamplerError, "tune must be a non-negat"),
    Case("seed-negative", same, fit_with(seed=-3), bg.SamplerError, "seed must be a whole number"),
    Case(
        "target-accept-one",
        same,
        fit_with(target_accept=1.0),
        bg.SamplerError,
        "target_accept must lie between 0 and 1, got 1.0",
    ),
    Case(
        "time-limit-zero",
        same,
        fit_with(time_limit=0),
        bg.SamplerError,
        "time_limit must be a positive number of seconds, got 0",
    ),
    Case(
        "cores-zero",
        same,
        fit_with(cores=0),
        bg.SamplerError,
        "cores must be a positive whole number, got 0; for example fit(cores=2), or cores=None "
        "to let the sampler choose.",
        exact=True,
    ),
    Case("cores-negative", same, fit_with(cores=-1), bg.SamplerError, "got -1"),
    Case("cores-text", same, fit_with(cores="2"), bg.SamplerError, "got '2'"),
    Case(
        "draws-beyond-memory",
        same,
        fit_with(draws=10**12),
        bg.SamplerError,
        "draws=1000000000000 with chains=1 would keep 1000000000000 draws of",
    ),
]


@pytest.mark.parametrize("case", BAD_SAMPLER_ARGUMENTS, ids=lambda case: case.id)
def test_bad_sampler_arguments_are_one_sampler_error(fitted_model, case):
    with pytest.raises(bg.BayesGLMMError) as caught:
        case.call(case.make(fitted_model))
    assert_error(caught, case)


@pytest.fixture(scope="module")
def fitted_model():
    return bg.Model("y ~ x + f + (1 | g)", base())


def test_the_catalogue_has_at_least_seventy_distinct_cases():
    cases = (
        BAD_DATA_TYPES
        + BAD_NAMES_AND_FORMULAS
        + DEGENERATE_DESIGNS
        + BAD_NEW_DATA
        + BAD_STORES
        + BAD_SAMPLER_ARGUMENTS
    )
    ids = [case.id for case in cases]
    assert len(cases) >= 70
    assert len(set(ids)) == len(ids)


# Decisions: inputs that fit, or fit with a warning.


def data_warnings(*args, **kwargs) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bg.Model(*args, **kwargs)
    return [str(w.message) for w in caught if issubclass(w.category, bg.DataWarning)]


def test_a_grouping_factor_with_one_row_per_level_warns_where_the_family_absorbs_it():
    data = base().assign(id=np.arange(ROWS) + 0.5)
    (message,) = data_warnings("y ~ x + (1 | id)", data)
    assert message.startswith(
        "grouping factor 'id' has one row per level (40 levels in 40 rows), so its effects "
        "cannot be told apart from the residual variation ('sigma' of family 'gaussian')"
    )
    assert "a continuous predictor is not one" in message
    assert data_warnings("c ~ x + (1 | id)", data, family="poisson") == []


def test_unused_categories_are_dropped_even_as_the_reference():
    data = base().assign(f=lambda d: pd.Categorical(d["f"], categories=["r", "p", "q"]))
    before = data.copy(deep=True)
    spec = bg.Model("y ~ x + f + (1 | g)", data).spec
    assert spec.fixed.names == ("Intercept", "x", "f[T.q]")
    pd.testing.assert_frame_equal(data, before)
    grouped = base().assign(g=lambda d: pd.Categorical(d["g"], categories=[*"abcdefgh", "z"]))
    assert bg.Model("y ~ x + (1 | g)", grouped).spec.groups[0].levels == tuple("abcdefgh")


def test_levels_emptied_by_dropped_rows_are_dropped_too():
    data = base().assign(f=lambda d: pd.Categorical(np.where(d.index < 2, "r", d["f"])))
    data.loc[[0, 1], "x"] = np.nan
    with pytest.warns(bg.DataWarning, match="dropped 2 of 40 rows"):
        spec = bg.Model("y ~ x + f", data, na_action="drop").spec
    assert spec.fixed.names == ("Intercept", "x", "f[T.q]")
    assert spec.dropped_rows.tolist() == [0, 1]


def test_integer_column_labels_are_written_in_backticks():
    data = base()[["y", "x", "g"]].set_axis(["y", 0, "g"], axis=1)
    spec = bg.Model("y ~ `0` + (1 | g)", data).spec
    assert spec.fixed.names == ("Intercept", "0")
    assert spec.fixed.matrix[:, 1] == pytest.approx(base()["x"].to_numpy())


def test_a_non_unique_row_index_fits_and_keeps_its_labels():
    data = base().set_axis([0] * 20 + [1] * 20)
    spec = bg.Model("y ~ x + (1 | g)", data).spec
    assert spec.n_obs == ROWS
    assert spec.row_labels.tolist() == [0] * 20 + [1] * 20


def test_gr_without_a_covariance_is_an_ordinary_grouping_factor():
    group = bg.Model("y ~ x + (1 | gr(g))", base()).spec.groups[0]
    assert (group.name, group.covariance, group.n_levels) == ("g", None, 8)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.assign(x=d["x"].astype(object)),
        lambda d: d.assign(x=d["x"].astype("Float64"), c=d["c"].astype("Int64")),
        lambda d: d.assign(x=d["x"].astype("double[pyarrow]"), f=d["f"].astype("string")),
        lambda d: d.assign(f=d["f"].astype("string[pyarrow]"), g=d["g"].astype("category")),
    ],
    ids=["object-numbers", "nullable", "arrow", "string-dtypes"],
)
def test_other_column_dtypes_give_the_same_design(change):
    formula = "y ~ x + c + f + (1 | g)"
    expected = bg.Model(formula, base()).spec
    spec = bg.Model(formula, change(base())).spec
    assert spec.fixed.names == expected.fixed.names
    np.testing.assert_array_equal(spec.fixed.matrix, expected.fixed.matrix)
    assert spec.groups[0].levels == expected.groups[0].levels


def test_numbers_with_a_few_text_values_are_named():
    data = base().assign(c=lambda d: d["c"].astype(str).where(d.index != 3, "n/a"))
    (message,) = data_warnings("y ~ c", data)
    assert message.startswith("column 'c' holds numbers stored as text and the text 'n/a'")
    assert "pd.to_numeric(data['c'], errors='coerce')" in message


@pytest.mark.parametrize(
    ("y_scale", "x_scale"), [(1e12, 1.0), (1e-12, 1.0), (1.0, 1e9)], ids=["y1e12", "y1e-12", "x1e9"]
)
def test_extreme_scales_fit_with_the_autoscaled_priors(y_scale, x_scale):
    rng = np.random.default_rng(7)
    x = rng.normal(size=60)
    y = (1.0 + 0.5 * x + rng.normal(scale=0.5, size=60)) * y_scale
    data = pd.DataFrame({"y": y, "x": x * x_scale})
    fit = bg.Model("y ~ x", data).fit(draws=200, chains=2, seed=3, progress=False)
    slope = fit.fixef().loc["x"]
    least_squares = np.polyfit(data["x"], data["y"], 1)[0]
    assert abs(slope["mean"] - least_squares) < 0.5 * slope["sd"]
    assert fit.summary()["rhat"].max() < 1.05
