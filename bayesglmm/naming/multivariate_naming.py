"""The names of a multivariate model: residual correlations, each response's family
parameters and imputed values, and how a response's names fitted alone map to the joint
model's (:func:`response_names`).

Examples
--------
>>> from bayesglmm.naming.multivariate_naming import rescor_label, response_parameter
>>> response_parameter("sigma", "y1"), rescor_label("y1", "y2")
('sigma_y1', 'rescor[y1,y2]')
"""

from __future__ import annotations

import re

from bayesglmm.naming import (
    IMPUTED_RESPONSE,
    IMPUTED_ROW,
    INTERCEPT,
    OBS,
    coefficient_dim,
    coefficient_key,
    coefficients,
    group_correlation,
    group_dims,
    group_effects,
    group_rho,
    group_sd,
    intercept,
    parameter_group,
    parameter_suffix,
    slope_dim,
)
from bayesglmm.naming.smooth_naming import (
    gp_coefficients,
    gp_dim,
    gp_lscale,
    gp_lscale_key,
    gp_sd,
    gp_sd_key,
    gp_standard_normal,
    smooth_dim,
    smooth_sd,
    smooth_sd_key,
    smooth_standard_normal,
)

RESCOR = "rescor"
"""The residual correlations of a multivariate gaussian or student_t model, over dims
:data:`RESPONSE_DIM` and ``response2`` (brms's ``rescor``; also its prior key)."""
RESPONSE_DIM = "response"
"""The dimension of a multivariate model's responses."""
RESPONSE_PAIR_DIM = "response2"
"""The second dimension of :data:`RESCOR`."""


def response_parameter(name: str, response: str) -> str:
    """A family parameter of one response of a multivariate model: ``sigma_y1`` (brms)."""
    return f"{name}{parameter_suffix(response)}"


def imputed_response(response: str) -> str:
    """The posterior variable of the missing values of one response of a multivariate
    model, ``Ymi_z`` (brms's), over dim :func:`imputed_row`."""
    return response_parameter(IMPUTED_RESPONSE, response)


def imputed_row(response: str) -> str:
    """The dimension of :func:`imputed_response`: the caller's label of each row."""
    return f"{imputed_response(response)}_row"


def observed_rows(response: str) -> str:
    """The dimension of the rows where one response of a multivariate model is observed,
    when it is missing in others."""
    return f"{OBS}_{response}"


def joint_response(responses: tuple[str, ...]) -> str:
    """The observed variable of responses drawn jointly (with residual correlations)."""
    return "__".join(responses)


def rescor_label(first: str, second: str) -> str:
    """The table label of one residual correlation: ``rescor[y1,y2]``."""
    return f"{RESCOR}[{first},{second}]"


def response_names(
    response: str,
    groups: tuple[str, ...],
    blocks: tuple[str, ...],
    gps: tuple[str, ...],
    parameters: tuple[str, ...],
    imputed: tuple[str, ...] = (),
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """How one response's names in a multivariate model follow from its names fitted alone.

    A response's linear predictor is named as a modelled parameter's would be, with the
    response for the parameter (``b_y1``, groups ``<g>__y1``, smooth blocks ``sx_1__y1``),
    and its family parameters end with it (``sigma_y1``).

    Parameters
    ----------
    response
        The response's name.
    groups, blocks, gps
        Its grouping factors, smooth blocks and GP labels, as named fitted alone.
    parameters
        Its family parameters that are its own (not shared with the other responses).
    imputed
        The responses whose imputed values it sees: itself, as ``Ymi``, when it imputes
        its own missing values (``y | mi()``), and those it reads as ``mi(z)``, as
        ``Ymi_z``.

    Returns
    -------
    variables, dims, keys
        Maps from the names fitted alone to the multivariate model's: posterior variables,
        dimensions and prior keys.

    Examples
    --------
    >>> variables, dims, keys = response_names("y1", ("g",), (), (), ("sigma",))
    >>> variables["b"], variables["sd_g"], dims["g_term"], keys["sd[g][Intercept]"]
    ('b_y1', 'sd_g__y1', 'g__y1_term', 'sd[g__y1][Intercept]')
    >>> keys["b[x]"], keys["Intercept"], variables["sigma"]
    ('b_y1[x]', 'Intercept_y1', 'sigma_y1')
    """
    suffix = parameter_suffix(response)
    variables = {coefficients(): coefficients(suffix)}
    dims = {coefficient_dim(): coefficient_dim(suffix), slope_dim(): slope_dim(suffix)}
    keys = _ResponseKeys(response)
    for group in groups:
        joint = parameter_group(group, response)
        for make in (group_sd, group_effects, group_correlation, group_rho):
            variables[make(group)] = make(joint)
        dims.update(zip(group_dims(group), group_dims(joint), strict=True))
        keys.groups[group] = joint
    for block in blocks:
        joint = parameter_group(block, response)
        for make in (smooth_sd, smooth_standard_normal):
            variables[make(block)] = make(joint)
        dims[smooth_dim(block)] = smooth_dim(joint)
        keys.blocks[block] = joint
    for label in gps:
        joint = parameter_group(label, response)
        for make in (gp_sd, gp_lscale, gp_standard_normal, gp_coefficients):
            variables[make(label)] = make(joint)
        dims[gp_dim(label)] = gp_dim(joint)
        keys.gps[label] = joint
    for name in parameters:
        variables[name] = response_parameter(name, response)
    for name in imputed:
        own = IMPUTED_RESPONSE if name == response else imputed_response(name)
        variables[own] = imputed_response(name)
        dims[IMPUTED_ROW if name == response else imputed_row(name)] = imputed_row(name)
    keys.parameters.update(parameters)
    return variables, dims, keys


class _ResponseKeys(dict):
    """The map from a response's prior keys fitted alone to its keys in a multivariate
    model, read key by key (see :func:`response_names`)."""

    def __init__(self, response: str):
        super().__init__()
        self.response = response
        self.groups: dict[str, str] = {}
        self.blocks: dict[str, str] = {}
        self.gps: dict[str, str] = {}
        self.parameters: set[str] = set()

    def __missing__(self, key: str) -> str:
        suffix = parameter_suffix(self.response)
        if key == INTERCEPT:
            return intercept(suffix)
        if key in self.parameters:
            return response_parameter(key, self.response)
        match = re.fullmatch(r"b\[(.+)\]", key)
        if match:
            return coefficient_key(match.group(1), suffix)
        match = re.fullmatch(r"(sd|cor|rho)\[(.+?)\](.*)", key)
        if match and match.group(2) in self.groups:
            return f"{match.group(1)}[{self.groups[match.group(2)]}]{match.group(3)}"
        match = re.fullmatch(r"sds\[(.+)\]", key)
        if match and match.group(1) in self.blocks:
            return smooth_sd_key(self.blocks[match.group(1)])
        for label, joint in self.gps.items():
            for make in (gp_sd_key, gp_lscale_key):
                if key == make(label):
                    return make(joint)
        return key
