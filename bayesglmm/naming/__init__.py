"""Every name bayesglmm gives a posterior variable, a dimension, a prior key or a table
label, and the parsers that read them back.

The names follow brms where it has one (``b``, ``sd_<group>``, ``cor_<group>``,
``r_<group>``, the prior classes ``b``, ``sd`` and ``cor``). A modelled family parameter
such as ``zi`` adds its suffix to the names of its linear predictor (``b_zi``,
``Intercept_zi``, dim ``coef_zi``), and its grouping factors are called ``<group>__zi``.
The names of smooths and GPs are in :mod:`~bayesglmm.naming.smooth_naming`, those of
multivariate models in :mod:`~bayesglmm.naming.multivariate_naming`.

Examples
--------
>>> from bayesglmm import naming
>>> naming.group_sd("herd"), naming.term_dim("herd"), naming.sd_key("herd", "Intercept")
('sd_herd', 'herd_term', 'sd[herd][Intercept]')
>>> naming.coefficients(naming.parameter_suffix("zi")), naming.parameter_group("site", "zi")
('b_zi', 'site__zi')
>>> naming.broader_keys("sd[herd][Intercept]")
['sd[herd]', 'sd']

A monotonic term ``mo(x)`` (Bürkner & Charpentier 2020) has, as in brms, a coefficient in
``bsp`` (dim ``sp``, prior key ``b[mo(x)]``, class ``b``) and a simplex ``simo_x`` of
increments over dim ``x_increment``, labelled by the transitions between categories
(prior key ``simo[mo(x)]``):

>>> term = naming.monotonic_term("x")
>>> term, naming.coefficient_key(term), naming.simplex("x"), naming.simplex_key(term)
('mo(x)', 'b[mo(x)]', 'simo_x', 'simo[mo(x)]')
>>> naming.increment_dim("x"), naming.transition("low", "mid"), naming.broader_keys("simo[mo(x)]")
('x_increment', 'low->mid', ['simo'])
"""

from __future__ import annotations

import re

CHAIN = "chain"
DRAW = "draw"
OBS = "obs"
"""The dimension of the rows of the data."""
CUTPOINT = "cutpoint"
"""The dimension of an ordinal response's thresholds."""
SAMPLE = "__sample__"
"""The stacked (chain, draw) dimension."""
INTERCEPT = "Intercept"
RESIDUAL_RHO = "rho_residual"
"""The correlation of gaussian residuals within subject (``residual="ar1(...)"``)."""
RESIDUAL_RHO_KEY = "rho[residual]"
OBSERVED_DATA = "y_observed"
"""The graph data holding the response."""
REPLICATES = "replicates"
"""The graph data holding how many rows each collapsed gaussian row stands for."""
WITHIN_SQUARES = "within_squares"
"""The graph data holding collapsed gaussian rows' squared deviations from their means."""
WITHIN_CELLS = "within_cells"
"""The potential holding collapsed gaussian rows' likelihood beyond their means."""
FALLBACK_RESPONSE = "y"
"""The observed variable's name when the response's own name is taken by another."""
IMPUTED_RESPONSE = "Ymi"
"""The posterior variable of the responses ``y | mi()`` imputes (brms's ``Ymi``)."""
IMPUTED_ROW = "Ymi_row"
"""Its dimension: the caller's label of each imputed row."""


def parameter_suffix(parameter: str | None) -> str:
    """What the variable names of a modelled parameter's linear predictor end with."""
    return "" if parameter is None else f"_{parameter}"


def parameter_group(group: str, parameter: str | None) -> str:
    """The name of grouping factor ``group`` in the linear predictor of ``parameter``."""
    return group if parameter is None else f"{group}__{parameter}"


def coefficients(suffix: str = "") -> str:
    """The vector of fixed effects on the original scale of the predictors."""
    return f"b{suffix}"


def intercept(suffix: str = "") -> str:
    """The intercept sampled with the predictors centred (also its prior key)."""
    return f"{INTERCEPT}{suffix}"


def slopes(suffix: str = "") -> str:
    """The fixed effects other than the intercept, as the sampler sees them."""
    return f"b{suffix}_slopes"


def coefficient_dim(suffix: str = "") -> str:
    """The dimension of :func:`coefficients`."""
    return f"coef{suffix}"


def slope_dim(suffix: str = "") -> str:
    """The dimension of :func:`slopes`."""
    return f"slope{suffix}"


_EVERY_MODEL_NAMES = frozenset(
    {CHAIN, DRAW, OBS, CUTPOINT, SAMPLE, INTERCEPT, OBSERVED_DATA, REPLICATES}
    | {coefficients(), intercept(), slopes(), coefficient_dim(), slope_dim()}
)
"""Names of variables and dimensions of every model, which :func:`level_dim` keeps for
themselves."""


def multi_membership_group(members: tuple[str, ...]) -> str:
    """The grouping factor of ``(1 | mm(g1, g2))``: ``"mm(g1+g2)"``, its effect being the
    weighted sum of its members' (a comma would break nutpie's names)."""
    return f"mm({'+'.join(members)})"


LEVEL_SUFFIX = "_level"


def level_dim(group: str) -> str:
    """The dimension of a grouping factor's levels: the factor's own name, or
    ``<group>_level`` for a factor named like a variable or dimension that every model
    has, as the ``obs`` of an observation-level effect ``(1 | obs)``.

    >>> level_dim("herd"), level_dim("obs"), level_dim("b")
    ('herd', 'obs_level', 'b_level')
    """
    return f"{group}{LEVEL_SUFFIX}" if group in _EVERY_MODEL_NAMES else group


def group_sd(group: str) -> str:
    """The standard deviations of a grouping factor's terms."""
    return f"sd_{group}"


def group_effects(group: str) -> str:
    """The group-level effects, dims ``(level_dim(group), term_dim(group))``."""
    return f"r_{group}"


def group_correlation(group: str) -> str:
    """The correlation matrix of a grouping factor's terms."""
    return f"cor_{group}"


def group_rho(group: str) -> str:
    """The correlation of ``ar1()`` or ``cs()`` effects."""
    return f"rho_{group}"


def standard_normal(group: str, block: int | None = None) -> str:
    """The standard normal draws of non-centred effects (of one correlated block)."""
    return f"z_{group}" if block is None else f"z_{group}__{block}"


def block_effects(group: str, block: int) -> str:
    """The centred effects of one block of terms."""
    return f"r_{group}__{block}"


def swept_deviations(group: str, block: int | None = None) -> str:
    """The free draws behind effects swept into the fixed effects (see
    :mod:`bayesglmm.backend.sweep`): their deviations from the span of the factor's
    covariates, in ``levels - p`` coordinates."""
    return f"dev_{group}" if block is None else f"dev_{group}__{block}"


def swept_projection(group: str, block: int | None = None) -> str:
    """The standard normal draws of the part of a grouping factor's effects along its
    covariates, which is swept into the fixed effects."""
    return f"proj_{group}" if block is None else f"proj_{group}__{block}"


def swept_level(variable: str) -> str:
    """The fixed effect plus the means swept into it, as the sampler sees it."""
    return f"{variable}__level"


def linked_block(factor: str, correlation_id: str) -> str:
    """The joint block of the terms of ``factor`` that correlation ID ``correlation_id``
    joins across linear predictors (``(1 | p | g)``): its correlation is
    ``cor_<factor>__id_<id>``, over dims ``<factor>__id_<id>_term`` and ``..._term2``."""
    return f"{factor}__id_{correlation_id}"


def block_cholesky(group: str, block: int) -> str:
    """The Cholesky factor of one block's correlation matrix."""
    return f"L_{group}__{block}"


def block_lkj_eta(group: str, block: int) -> str:
    """The graph data holding the LKJ prior's ``eta`` of one block's correlation."""
    return f"{group_correlation(group)}__{block}__eta"


def term_dim(group: str) -> str:
    """The dimension of a grouping factor's terms."""
    return f"{group}_term"


def second_term_dim(group: str) -> str:
    """The second term dimension of a correlation matrix."""
    return f"{group}_term2"


def group_dims(group: str) -> tuple[str, str, str]:
    """Every dimension a grouping factor adds: its levels and its two term dimensions."""
    return level_dim(group), term_dim(group), second_term_dim(group)


def graph_data(owner: str, part: str) -> str:
    """The name of a piece of graph data that belongs to variable or group ``owner``."""
    return f"{owner}__{part}"


def coefficient_key(coefficient: str, suffix: str = "") -> str:
    """The prior key, and the table label, of one fixed effect: ``b[<coef>]``."""
    return f"b{suffix}[{coefficient}]"


def group_sd_key(group: str) -> str:
    """The prior key of every sd of one grouping factor: ``sd[<group>]``."""
    return f"sd[{group}]"


def sd_key(group: str, term: str) -> str:
    """The prior key of one group-level sd: ``sd[<group>][<term>]``."""
    return f"{group_sd_key(group)}[{term}]"


def correlation_key(group: str) -> str:
    """The prior key of a grouping factor's correlation matrix: ``cor[<group>]``."""
    return f"cor[{group}]"


def rho_key(group: str) -> str:
    """The prior key of an ``ar1()``/``cs()`` correlation: ``rho[<group>]``."""
    return f"rho[{group}]"


def broader_keys(key: str) -> list[str]:
    """The prior keys that also cover ``key``, most specific first.

    >>> broader_keys("b_zi[x]"), broader_keys("cor[g]"), broader_keys("sigma")
    (['b_zi'], ['cor'], [])
    >>> broader_keys("sds[sx_1]")
    ['sds']
    """
    match = re.fullmatch(r"sd\[(.+?)\]\[(.+)\]", key)
    if match:
        return [group_sd_key(match.group(1)), "sd"]
    match = re.fullmatch(r"(b(?:_[A-Za-z][A-Za-z0-9]*)?)\[.+\]", key)
    if match:
        return [match.group(1)]
    if re.fullmatch(r"sds\[.+\]", key):
        return ["sds"]
    for broad in ("cor", "rho", SIMPLEX_CLASS, GP_SD_CLASS, GP_LSCALE_CLASS):
        if key.startswith(f"{broad}["):
            return [broad]
    return []


GP_SD_CLASS = "sdgp"
"""The prior class of the sds of Gaussian-process terms (brms's ``sdgp``)."""
GP_LSCALE_CLASS = "lscale"
"""The prior class of their length scales (brms's ``lscale``)."""
MONOTONIC_COEFFICIENTS = "bsp"
"""The coefficients of the monotonic terms, brms's ``bsp``: the average difference
between adjacent categories."""
MONOTONIC_DIM = "sp"
"""The dimension of :data:`MONOTONIC_COEFFICIENTS`, one coordinate per ``mo()`` term."""
SIMPLEX_CLASS = "simo"
"""The prior class of the simplexes of monotonic terms (brms's ``simo``)."""


def monotonic_term(column: str) -> str:
    """The label of the monotonic term of ``column``: ``mo(<column>)``, as written."""
    return f"mo({column})"


def simplex(column: str) -> str:
    """The simplex of increments of ``mo(<column>)``: ``simo_<column>``."""
    return f"{SIMPLEX_CLASS}_{column}"


def increment_dim(column: str) -> str:
    """The dimension of :func:`simplex`, one coordinate per transition."""
    return f"{column}_increment"


def transition(low: object, high: object) -> str:
    """The coordinate of the increment from category ``low`` to the next, ``high``."""
    return f"{low}->{high}"


def simplex_key(term: str) -> str:
    """The prior key of a monotonic term's simplex: ``simo[<term>]``."""
    return f"{SIMPLEX_CLASS}[{term}]"


def sd_label(group: str, term: str) -> str:
    """The table label of one group-level sd: ``sd_<group>[<term>]``."""
    return f"{group_sd(group)}[{term}]"


def correlation_label(group: str, term: str, other: str) -> str:
    """The table label of one correlation: ``cor_<group>[<term>,<other>]``."""
    return f"{group_correlation(group)}[{term},{other}]"


def effect_label(group: str, level: object, term: str) -> str:
    """The label of one group-level effect: ``r_<group>[<level>,<term>]``."""
    return f"{group_effects(group)}[{level},{term}]"


def element_label(name: str, element: object) -> str:
    """The label of one element of a vector parameter, such as a threshold."""
    return f"{name}[{element}]"


def parameter_coefficient(parameter: str, coefficient: str) -> str:
    """The ``fixef()`` row of a modelled parameter's coefficient: ``zi_Intercept``."""
    return f"{parameter}_{coefficient}"


def structure_term(kind: str) -> str:
    """The ``varcorr()`` term of an ``ar1``/``cs`` correlation: ``rho (ar1)``."""
    return f"rho ({kind})"


def fixed_design(suffix: str = "", variant: str | None = None) -> str:
    """The graph data of a fixed-effects design: ``X``, or its ``centred`` columns and
    their ``means``."""
    return f"X{suffix}" if variant is None else f"X{suffix}_{variant}"


def offset(suffix: str = "") -> str:
    """The graph data of a linear predictor's offset."""
    return f"offset{suffix}"


MIXTURE_DIM = "component"
"""The dimension of a finite mixture's components: its mixing proportions ``theta`` and
its ordered intercepts, coordinates ``1..K``."""
MIXING = "theta"
"""A mixture's mixing proportions (brms's class ``theta``), a simplex over
:data:`MIXTURE_DIM` when no ``theta<k>`` has a formula; also their prior key."""
ORDERED_INTERCEPTS = "Intercept_ordered"
"""The increasing vector of a mixture's component intercepts (brms's ``order = "mu"``),
whose elements are reported as ``Intercept``, ``Intercept_mu2``, ..."""


def component(parameter: str, k: int) -> str:
    """Parameter ``parameter`` of mixture component ``k`` (from 1), as brms names it:
    ``mu2``, ``sigma1``, ``theta2``.

    >>> component("sigma", 1), component("mu", 2), component(MIXING, 3)
    ('sigma1', 'mu2', 'theta3')
    """
    return f"{parameter}{k}"


def split_component(name: str) -> tuple[str, int] | None:
    """The parameter and component of a name built by :func:`component`, or None.

    >>> split_component("sigma2"), split_component("theta10"), split_component("sigma")
    (('sigma', 2), ('theta', 10), None)
    """
    match = re.fullmatch(r"([A-Za-z_]*[A-Za-z_])([1-9][0-9]*)", name)
    return None if match is None else (match.group(1), int(match.group(2)))
