"""Model templates for classic designs: declarative TOML files with placeholders for columns.

The files live in the package-data folder ``bayesglmm/design_templates/``. Each names its
design, a formula with ``{role}`` placeholders, a default family, optional priors, what
every random term stands for, and a note on interpretation.

Examples
--------
>>> import bayesglmm as bg
>>> bg.templates.list()["name"].tolist()[:3]
['multicentre_trial', 'patients_in_doctors', 'rcbd']
>>> template = bg.templates.show("rcbd")
>>> template.formula_for({"response": "yield_", "treatment": "variety", "block": "block"})
'yield_ ~ variety + (1 | block)'
"""

from __future__ import annotations

import textwrap
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from bayesglmm.errors import DataError
from bayesglmm.priors.distributions import PRIORS, Prior
from bayesglmm.registry import Registry

PACKAGE = "bayesglmm.design_templates"


@dataclass(frozen=True)
class Template:
    """One design template.

    Attributes
    ----------
    name, design, description, notes
        Identifier, title and explanations.
    formula
        Formula with ``{role}`` placeholders.
    family
        Default family.
    roles
        Role name to what its column holds.
    random_terms
        Random term (with placeholders) to what it stands for.
    priors
        Priors that differ from the defaults.
    residual
        A residual structure with placeholders, e.g. ``"ar1({time} | {subject})"``
        (``Model(residual=...)``), or None.
    """

    name: str
    design: str
    description: str
    formula: str
    family: str
    notes: str
    roles: dict[str, str]
    random_terms: dict[str, str]
    priors: dict[str, Prior]
    residual: str | None = None

    def residual_for(self, columns: dict[str, str | Iterable[str]]) -> str | None:
        """The residual structure with its roles replaced by their columns, or None."""
        if self.residual is None:
            return None
        self.formula_for(columns)
        return self.residual.format(**columns)

    def formula_for(self, columns: dict[str, str | Iterable[str]]) -> str:
        """The formula with every role replaced by its column (lists joined with ``+``)."""
        missing = [role for role in self.roles if role not in columns]
        if missing:
            needed = "; ".join(f"{role}: {self.roles[role]}" for role in missing)
            example = ", ".join(f"{role}='<column>'" for role in missing)
            raise DataError(
                f"template '{self.name}' needs the role(s) {', '.join(missing)} ({needed}). "
                f"Pass them as column names, e.g. {example}."
            )
        unknown = [role for role in columns if role not in self.roles]
        if unknown:
            raise DataError(
                f"template '{self.name}' has no role(s) {', '.join(unknown)}; its roles are "
                f"{', '.join(self.roles)}."
            )
        text = {
            role: column if isinstance(column, str) else " + ".join(column)
            for role, column in columns.items()
        }
        return self.formula.format(**text)

    def __repr__(self) -> str:
        def block(text: str) -> str:
            return textwrap.indent(textwrap.fill(" ".join(text.split()), 84), "  ")

        roles = "\n".join(f"  {role}: {meaning}" for role, meaning in self.roles.items())
        terms = "\n".join(f"  {term}: {meaning}" for term, meaning in self.random_terms.items())
        priors = "\n".join(f"  {key} ~ {prior}" for key, prior in self.priors.items())
        parts = [
            f"{self.design} (template '{self.name}')",
            block(self.description),
            f"Formula: {self.formula}\nFamily: {self.family}"
            + (f"\nResidual: {self.residual}" if self.residual else ""),
            f"Roles:\n{roles}",
            f"Random terms:\n{terms}",
            *([f"Priors differing from the defaults:\n{priors}"] if priors else []),
            f"Interpretation:\n{block(self.notes)}",
        ]
        return "\n\n".join(parts)


def _read(text: str) -> Template:
    fields = tomllib.loads(text)
    priors = {}
    for key, spec in fields.get("priors", {}).items():
        options = dict(spec)
        priors[key] = PRIORS[options.pop("class")](**options)
    return Template(
        name=fields["name"],
        design=fields["design"],
        description=fields["description"].strip(),
        formula=fields["formula"],
        family=fields["family"],
        notes=fields["notes"].strip(),
        roles=dict(fields["roles"]),
        random_terms=dict(fields["random_terms"]),
        priors=priors,
        residual=fields.get("residual"),
    )


def _all() -> Registry[Template]:
    files = sorted(
        (entry for entry in resources.files(PACKAGE).iterdir() if entry.name.endswith(".toml")),
        key=lambda entry: entry.name,
    )
    return Registry(
        "template", (_read(entry.read_text(encoding="utf-8")) for entry in files), DataError
    )


def list() -> pd.DataFrame:
    """Every template: name, design, family and formula."""
    rows = [[t.name, t.design, t.family, t.formula] for t in _all().values()]
    return pd.DataFrame(rows, columns=["name", "design", "family", "formula"])


def show(name: str) -> Template:
    """The template called ``name`` (printing it explains the design)."""
    return _all()[name]
