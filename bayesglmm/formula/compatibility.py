"""Whether new data keep a model's structure, so ``Model.set_data`` can swap them in.

Examples
--------
>>> import bayesglmm as bg
>>> data = bg.datasets.load("sleepstudy")
>>> model = bg.Model("Reaction ~ Days + (Days | Subject)", data)
>>> fewer = bg.Model("Reaction ~ Days + (1 | Subject)", data)
>>> try:
...     check_same_structure(model.spec, fewer.spec)
... except bg.errors.DataError as error:
...     print(str(error)[:59])
the new data change the model's group terms ([('Intercept',
"""

from __future__ import annotations

from bayesglmm.errors import DataError
from bayesglmm.formula.spec import ModelSpec


def check_same_structure(old: ModelSpec, new: ModelSpec) -> None:
    """Raise a :class:`DataError` naming the first part of the model that ``new`` changes:
    its coefficients, grouping factors, terms, offset, smooths, monotonic categories or
    parameter formulas."""
    structure_changes = [
        ("fixed-effect columns", old.fixed.names, new.fixed.names),
        ("grouping factors", [g.name for g in old.groups], [g.name for g in new.groups]),
        ("group terms", [g.terms for g in old.groups], [g.terms for g in new.groups]),
        (
            "intercept columns",
            [tuple(g.constant_terms) for g in old.groups],
            [tuple(g.constant_terms) for g in new.groups],
        ),
        ("offset", old.offset is None, new.offset is None),
        (
            "smooth blocks",
            [(s.blocks, [v.shape[1] for v in s.values]) for s in old.all_smooths],
            [(s.blocks, [v.shape[1] for v in s.values]) for s in new.all_smooths],
        ),
        (
            "monotonic categories",
            [term.categories for term in old.monotonic],
            [term.categories for term in new.monotonic],
        ),
        (
            "parameter formulas",
            [(p.fixed.names, [g.terms for g in p.groups]) for p in old.parameters],
            [(p.fixed.names, [g.terms for g in p.groups]) for p in new.parameters],
        ),
    ]
    for what, before, after in structure_changes:
        if before != after:
            raise DataError(
                f"the new data change the model's {what} ({before} before, {after} now); "
                "build a new bg.Model for these data instead."
            )
