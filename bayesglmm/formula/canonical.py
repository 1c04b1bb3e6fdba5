"""A canonical order of a spec's rows and levels, so that shuffled rows and relabelled
levels give the sampler the same arrays, and a seed the same draws.

The order depends only on the data's content: each row's numbers (response, design
columns, slopes, offsets) and which rows share a level. Levels are told apart by the
multiset of their rows, and rows by their levels, refined until nothing more splits
(colour refinement, as in graph canonisation: Weisfeiler & Leman 1968; McKay & Piperno
2014). Levels still tied are interchangeable as far as refinement can tell; the ties of
one grouping factor at a time are broken by their first row, and refinement goes on.

Levels are reordered for plain grouping factors only. Those whose order carries meaning
(a known covariance ``gr(cov = A)``, a time structure ``ar1()``/``cs()``, members of
``mm()``) keep their label order, and their level index then enters each row's content.
Groups that a correlation ID joins share one draw per level, so they take one order.

The spec given to the sampler is :attr:`CanonicalOrder.spec`; draws are mapped back to
the caller's labels by the level coordinates, which carry the labels.

Examples
--------
>>> import bayesglmm as bg
>>> data = bg.datasets.load("infection")
>>> order = canonical_order(bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
...                                  data, family="binomial").spec)
>>> relabelled = data.iloc[::-1].assign(clinic=data["clinic"].map(lambda c: f"site {c}"))
>>> other = canonical_order(bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
...                                  relabelled, family="binomial").spec)
>>> bool((order.spec.response.values == other.spec.response.values).all())
True
>>> order.spec.groups[0].levels[:2], other.spec.groups[0].levels[:2]
(('6', '5'), ('site 6', 'site 5'))
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from bayesglmm.formula.smooth_spec import GPDesign, SmoothDesign
from bayesglmm.formula.spec import (
    FixedDesign,
    GroupDesign,
    ModelSpec,
    ParameterDesign,
    ResponseDesign,
)

ROW_ARRAYS = ("values", "trials", "censored", "weights", "lower", "upper", "se", "replicates")
"""The per-row arrays of :class:`ResponseDesign`."""


@dataclass(frozen=True)
class CanonicalOrder:
    """The spec in canonical order, and where its rows and levels came from.

    Attributes
    ----------
    spec
        The spec with rows and the levels of plain grouping factors reordered.
    rows
        ``spec`` row ``i`` is row ``rows[i]`` of the original spec.
    """

    spec: ModelSpec
    rows: np.ndarray

    def original_rows(self, values: np.ndarray) -> np.ndarray:
        """``values`` over canonical rows (last axis), put back in the original row order."""
        restored = np.empty_like(values)
        restored[..., self.rows] = values
        return restored


def reorderable(group: GroupDesign) -> bool:
    """Whether the order of ``group``'s levels carries no meaning, so it may be changed."""
    return group.structure is None and group.covariance is None and group.member_index is None


def canonical_order(spec: ModelSpec) -> CanonicalOrder:
    """The spec's rows and plain levels in an order that depends only on their content."""
    groups = spec.all_groups
    plain = [group for group in groups if reorderable(group)]
    colours = ranks(row_content(spec, [g for g in groups if not reorderable(g)]))
    level_colours = _refine(colours, plain)
    rows = np.lexsort((np.arange(spec.n_obs), _refined_by_levels(colours, plain, level_colours)))
    levels = {group.name: np.argsort(level_colours[group.name], kind="stable") for group in plain}
    for link in spec.linked:
        first = link.members[0][0]
        levels.update({name: levels[first] for name, _ in link.members[1:]})
    return CanonicalOrder(spec=reordered_spec(spec, rows, levels), rows=rows)


def _refined_by_levels(
    colours: np.ndarray, plain: list[GroupDesign], level_colours: dict[str, np.ndarray]
) -> np.ndarray:
    """Row colours refined once by the colours of their levels."""
    keys = [colours, *(level_colours[group.name][group.index] for group in plain)]
    return ranks(np.column_stack(keys))


def _refine(colours: np.ndarray, plain: list[GroupDesign]) -> dict[str, np.ndarray]:
    """Level colours of the plain groups, each level its own, after colour refinement."""
    while True:
        level_colours = {g.name: _level_colours(g.index, colours, g.n_levels) for g in plain}
        refined = _refined_by_levels(colours, plain, level_colours)
        if refined.max() > colours.max():
            colours = refined
            continue
        tied = [g for g in plain if len(np.unique(level_colours[g.name])) < g.n_levels]
        if not tied:
            return level_colours
        group = tied[0]
        place = np.empty(len(colours), dtype=np.int64)
        place[np.lexsort((np.arange(len(colours)), colours))] = np.arange(len(colours))
        first_place = np.full(group.n_levels, len(colours))
        np.minimum.at(first_place, group.index, place)
        broken = ranks(np.column_stack([level_colours[group.name], first_place]))
        colours = ranks(np.column_stack([colours, broken[group.index]]))


def _level_colours(index: np.ndarray, colours: np.ndarray, n_levels: int) -> np.ndarray:
    """Each level's rank among the levels by the sorted colours of its rows."""
    order = np.lexsort((colours, index))
    bounds = np.cumsum(np.bincount(index, minlength=n_levels))[:-1]
    signatures = [segment.tobytes() for segment in np.split(colours[order], bounds)]
    rank = {signature: i for i, signature in enumerate(sorted(set(signatures)))}
    return np.array([rank[signature] for signature in signatures], dtype=np.int64)


def ranks(keys: np.ndarray) -> np.ndarray:
    """Each row's rank among the distinct rows of ``keys`` (0 for the smallest)."""
    keys = keys.reshape(len(keys), -1)
    order = np.lexsort(keys.T[::-1])
    ordered = keys[order]
    starts = np.ones(len(keys), dtype=np.int64)
    starts[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[order] = np.cumsum(starts) - 1
    return ranks


def row_content(
    spec: ModelSpec, ordered_groups: list[GroupDesign], response: bool = True
) -> np.ndarray:
    """``(rows, k)`` numbers of each row that do not depend on labels: response (unless
    ``response=False``), design columns, slopes, offsets, smooth bases, monotonic codes, the
    residual structure's positions, and the level index of ``ordered_groups``."""
    columns: list[np.ndarray] = []
    if response:
        columns += [getattr(spec.response, name) for name in ROW_ARRAYS]
    for part in spec.linear_parts:
        columns += [part.fixed.matrix, part.offset]
        columns += [values for smooth in part.smooths for values in smooth.values]
        columns += [group.values for group in part.groups]
        columns += [group.member_weights for group in part.groups]
    columns += [term.codes for term in spec.monotonic]
    if spec.residual is not None:
        columns += [spec.residual.subject, spec.residual.position]
    columns += [group.index for group in ordered_groups]
    columns += [group.member_index for group in ordered_groups]
    present = [np.asarray(c, dtype=float).reshape(spec.n_obs, -1) for c in columns if c is not None]
    return np.column_stack(present) if present else np.zeros((spec.n_obs, 1))


def _take(array: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    return None if array is None else array[rows]


def _reordered_group(group: GroupDesign, rows: np.ndarray, levels: np.ndarray | None):
    index = group.index
    labels = group.levels
    if levels is not None:
        position = np.empty_like(levels)
        position[levels] = np.arange(len(levels))
        index, labels = position[index], tuple(group.levels[i] for i in levels)
    return dataclasses.replace(
        group,
        levels=labels,
        index=index[rows],
        values=group.values[rows],
        member_index=_take(group.member_index, rows),
        member_weights=_take(group.member_weights, rows),
    )


def _reordered_smooth(smooth: SmoothDesign | GPDesign, rows: np.ndarray):
    return dataclasses.replace(smooth, values=tuple(values[rows] for values in smooth.values))


def _reordered_part(part: ModelSpec | ParameterDesign, rows, levels) -> dict:
    """The fields every linear predictor has, reordered."""
    fixed: FixedDesign = part.fixed
    return {
        "fixed": dataclasses.replace(fixed, matrix=fixed.matrix[rows]),
        "groups": tuple(_reordered_group(g, rows, levels.get(g.name)) for g in part.groups),
        "offset": _take(part.offset, rows),
        "smooths": tuple(_reordered_smooth(smooth, rows) for smooth in part.smooths),
    }


def reordered_spec(spec: ModelSpec, rows: np.ndarray, levels: dict[str, np.ndarray]) -> ModelSpec:
    """The spec with its rows taken in the order (or the subset) ``rows``, and the levels of
    each group named in ``levels`` in that order."""
    response: ResponseDesign = spec.response
    residual = spec.residual
    return dataclasses.replace(
        spec,
        **_reordered_part(spec, rows, levels),
        response=dataclasses.replace(
            response, **{name: _take(getattr(response, name), rows) for name in ROW_ARRAYS}
        ),
        row_labels=spec.row_labels[rows],
        data=spec.data.iloc[rows],
        parameters=tuple(
            dataclasses.replace(parameter, **_reordered_part(parameter, rows, levels))
            for parameter in spec.parameters
        ),
        residual=None
        if residual is None
        else dataclasses.replace(
            residual, subject=residual.subject[rows], position=residual.position[rows]
        ),
        monotonic=tuple(
            dataclasses.replace(term, codes=term.codes[rows]) for term in spec.monotonic
        ),
        imputed_predictors=tuple(term.rows(rows) for term in spec.imputed_predictors),
    )


__all__ = [
    "CanonicalOrder",
    "canonical_order",
    "ranks",
    "reorderable",
    "reordered_spec",
    "row_content",
]
