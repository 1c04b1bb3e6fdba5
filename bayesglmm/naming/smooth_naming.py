"""The names of smooths (brms's ``s()``, ``t2()``) and Gaussian processes (``gp()``): their
labels, posterior variables, dimensions, prior keys and printout labels.

Examples
--------
>>> from bayesglmm.naming import smooth_naming
>>> smooth_naming.smooth_label("s", ("x",)), smooth_naming.smooth_sd("sx_1")
('sx', 'sds_sx_1')
>>> smooth_naming.smooth_sd_key("sx_1"), smooth_naming.gp_label("x")
('sds[sx_1]', 'gpx')
"""

from __future__ import annotations

import re

from bayesglmm.naming import GP_LSCALE_CLASS, GP_SD_CLASS


def smooth_label(function: str, variables: tuple[str, ...], level: str | None = None) -> str:
    """The label of a smooth, as brms writes it: ``sx`` for ``s(x)``, ``t2xz`` for
    ``t2(x, z)``, ``sx:fa`` for level ``a`` of ``s(x, by = f)``'s factor ``f``, and
    ``sx:z`` for ``s(x, by = z)`` with a numeric ``z`` (level :func:`by_variable`)."""
    base = function + "".join(re.sub(r"[^A-Za-z0-9_.]", "", name) for name in variables)
    return base if level is None else f"{base}:{level}"


def smooth_base(label: str) -> str:
    """The label of a smooth without its ``by`` level: ``sx`` for ``sx:fa``."""
    return label.split(":", 1)[0]


def by_variable(by: str) -> str:
    """The part of a smooth's label naming a numeric ``by``: ``z``."""
    return re.sub(r"[^A-Za-z0-9_.]", "", by)


def by_level(by: str, level: str) -> str:
    """The part of a ``by`` smooth's label naming the factor and level: ``fa``."""
    return by_variable(by) + re.sub(r"[^A-Za-z0-9_.]", "", str(level))


def smooth_column(label: str, index: int) -> str:
    """A null-space (unpenalised) column of a smooth, a fixed effect: ``sx_1``."""
    return f"{label}_{index}"


def smooth_block(label: str, index: int) -> str:
    """One penalised block of a smooth, with its own sd: ``sx_1`` (``t2xz_1`` to ``_3``)."""
    return f"{label}_{index}"


def smooth_sd(block: str) -> str:
    """The sd of a smooth's penalised block (brms's ``sds``): ``sds_sx_1``."""
    return f"sds_{block}"


def smooth_standard_normal(block: str) -> str:
    """The standardised coefficients of a penalised block: ``zs_sx_1``."""
    return f"zs_{block}"


def smooth_centred(block: str) -> str:
    """The coefficients of a penalised block sampled centred: ``zs_sx_1__centred``."""
    return f"{smooth_standard_normal(block)}__centred"


def smooth_noncentred(block: str) -> str:
    """The standardised coefficients of a block sampled non-centred beside centred ones:
    ``zs_sx_1__noncentred``."""
    return f"{smooth_standard_normal(block)}__noncentred"


def smooth_dim(block: str) -> str:
    """The dimension of a penalised block's columns: ``sx_1_basis``."""
    return f"{block}_basis"


def smooth_sd_key(block: str) -> str:
    """The prior key of a smooth's sd: ``sds[<block>]``, covered by ``sds``."""
    return f"sds[{block}]"


def smooth_sd_label(block: str) -> str:
    """The printout label of a smooth's sd, as brms prints it: ``sds(sx_1)``."""
    return f"sds({block})"


def gp_label(variable: str, level: str | None = None) -> str:
    """The label of a Gaussian-process term, as brms writes it: ``gpx`` for ``gp(x)``, and
    ``gpx:fa`` for level ``a`` of ``gp(x, by = f)``'s factor ``f``.

    >>> gp_label("x"), gp_label("log.x"), gp_label("x", by_level("f", "a"))
    ('gpx', 'gplog.x', 'gpx:fa')
    """
    return smooth_label("gp", (variable,), level)


def gp_sd(label: str) -> str:
    """The marginal sd of a GP (brms's ``sdgp``): ``sdgp_gpx``."""
    return f"{GP_SD_CLASS}_{label}"


def gp_lscale(label: str) -> str:
    """The length scale of a GP (brms's ``lscale``): ``lscale_gpx``."""
    return f"{GP_LSCALE_CLASS}_{label}"


def gp_standard_normal(label: str) -> str:
    """The standard normal weights of a GP's basis functions (brms's ``zgp``): ``zgp_gpx``."""
    return f"zgp_{label}"


def gp_coefficients(label: str) -> str:
    """The coefficients of a GP's basis functions, ``sqrt(S(sqrt(lambda))) * zgp``, kept so
    that predictions need only the draws: ``bgp_gpx``."""
    return f"bgp_{label}"


def gp_dim(label: str) -> str:
    """The dimension of a GP's basis functions: ``gpx_basis``."""
    return f"{label}_basis"


def gp_sd_key(label: str) -> str:
    """The prior key of a GP's sd: ``sdgp[<label>]``, covered by ``sdgp``.

    >>> from bayesglmm.naming import broader_keys
    >>> gp_sd_key("gpx"), gp_lscale_key("gpx"), broader_keys("lscale[gpx]")
    ('sdgp[gpx]', 'lscale[gpx]', ['lscale'])
    """
    return f"{GP_SD_CLASS}[{label}]"


def gp_lscale_key(label: str) -> str:
    """The prior key of a GP's length scale: ``lscale[<label>]``, covered by ``lscale``."""
    return f"{GP_LSCALE_CLASS}[{label}]"


def gp_sd_label(label: str) -> str:
    """The printout label of a GP's sd, as brms prints it: ``sdgp(gpx)``."""
    return f"{GP_SD_CLASS}({label})"


def gp_lscale_label(label: str) -> str:
    """The printout label of a GP's length scale, as brms prints it: ``lscale(gpx)``."""
    return f"{GP_LSCALE_CLASS}({label})"
