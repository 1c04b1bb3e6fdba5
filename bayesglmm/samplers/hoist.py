"""Move work that depends only on data out of a function that is called many times.

The log density is evaluated hundreds of thousands of times per fit with the
same data. Because bayesglmm passes data as arguments (so compiled functions
are cached by structure), PyTensor cannot constant-fold data-only terms such as
the ``lgamma(y + 1)`` of a Poisson likelihood or the binomial coefficient.
:func:`hoist_data_terms` finds every array-valued subgraph that depends on the
data alone and turns it into an extra input, computed once per fit.

Examples
--------
>>> import pytensor.tensor as pt
>>> x, y = pt.dvector("x"), pt.dvector("y")
>>> outputs, hoisted, new_inputs = hoist_data_terms([pt.sum(x * pt.gammaln(y + 1))], [y], [y])
>>> len(hoisted), hoisted[0].owner is not None
(1, True)
"""

from __future__ import annotations

from collections.abc import Sequence

import pytensor.tensor as pt
from pytensor.graph.basic import Constant, Variable
from pytensor.graph.replace import clone_replace
from pytensor.graph.traversal import apply_ancestors, toposort
from pytensor.tensor.shape import Shape, Shape_i


def _does_work(variable: Variable, data: Sequence[Variable]) -> bool:
    """True when computing ``variable`` from ``data`` takes more than views and shapes."""
    return any(
        not getattr(node.op, "view_map", None) and not isinstance(node.op, Shape | Shape_i)
        for node in apply_ancestors([variable], blockers=data)
    )


def hoist_data_terms(
    outputs: Sequence[Variable], data: Sequence[Variable], rows: Sequence[Variable]
) -> tuple[list[Variable], list[Variable], list[Variable]]:
    """Replace data-only subgraphs of ``outputs`` that scale with the rows by new inputs.

    Small data-only terms (those of prior parameters, say) are left in place:
    passing them as arguments would cost more than computing them.

    Parameters
    ----------
    outputs
        Graphs to be compiled.
    data
        Inputs that stay fixed between calls.
    rows
        The subset of ``data`` with one entry per observation.

    Returns
    -------
    new_outputs
        ``outputs`` with the data-only subgraphs replaced.
    hoisted
        The data-only subgraphs, in terms of ``data``; compute them once.
    new_inputs
        The inputs that stand for ``hoisted`` in ``new_outputs``.
    """
    data_only: set[Variable] = set(data)
    row_sized: set[Variable] = set(rows)
    hoisted: list[Variable] = []
    for node in toposort(outputs):
        inputs_fixed = [i in data_only or isinstance(i, Constant) for i in node.inputs]
        if all(inputs_fixed):
            data_only.update(node.outputs)
            if any(i in row_sized for i in node.inputs):
                row_sized.update(node.outputs)
            continue
        for variable, is_fixed in zip(node.inputs, inputs_fixed, strict=True):
            if (
                is_fixed
                and variable in row_sized
                and variable.owner is not None
                and variable not in hoisted
                and _does_work(variable, data)
            ):
                hoisted.append(variable)
    new_inputs = [
        pt.tensor(dtype=v.type.dtype, shape=(None,) * v.type.ndim, name=f"hoisted_{i}")
        for i, v in enumerate(hoisted)
    ]
    new_outputs = clone_replace(list(outputs), dict(zip(hoisted, new_inputs, strict=True)))
    return new_outputs, hoisted, new_inputs
