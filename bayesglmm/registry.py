"""``Registry[T]``: a read-only mapping from names to records with one lookup for every
registry of the package (families, links, supports, priors, samplers, datasets, case
studies, templates).

An unknown name raises the registry's own error class, with a did-you-mean hint and
the known names, so every lookup fails the same way.

Examples
--------
>>> from dataclasses import dataclass
>>> from bayesglmm.errors import FamilyError
>>> @dataclass(frozen=True)
... class Colour:
...     name: str
>>> colours = Registry("colour", [Colour("red"), Colour("tan")], FamilyError)
>>> colours["red"], "blue" in colours, list(colours)
(Colour(name='red'), False, ['red', 'tan'])
>>> colours["rad"]
Traceback (most recent call last):
...
bayesglmm.errors.FamilyError: unknown colour 'rad'. Did you mean 'red'? Known colours: red, tan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TypeVar

from bayesglmm.errors import BayesGLMMError, did_you_mean

T = TypeVar("T")


class Registry(Mapping[str, T]):
    """Records of one kind by name, in the order given.

    Parameters
    ----------
    kind
        What a record is, for messages: ``"family"``, ``"sampler"``.
    records
        The records.
    error
        The error class an unknown name raises.
    key
        A record's name; its ``name`` attribute by default.
    plural
        The plural of ``kind`` when it is not ``kind + "s"``.
    """

    def __init__(
        self,
        kind: str,
        records: Iterable[T],
        error: type[BayesGLMMError],
        key: Callable[[T], str] = lambda record: record.name,
        plural: str | None = None,
    ):
        self.kind = kind
        self.plural = plural or f"{kind}s"
        self.error = error
        self._records: dict[str, T] = {}
        for record in records:
            name = key(record)
            if name in self._records:
                raise BayesGLMMError(f"two {self.plural} are called '{name}'")
            self._records[name] = record

    def __getitem__(self, name: str) -> T:
        if isinstance(name, str) and name in self._records:
            return self._records[name]
        known = ", ".join(self._records)
        shown = f"'{name}'" if isinstance(name, str) else f"{type(name).__name__} {name!r}"
        raise self.error(
            f"unknown {self.kind} {shown}.{did_you_mean(name, self._records)} "
            f"Known {self.plural}: {known}."
        )

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._records

    def get(self, name: str, default: T | None = None) -> T | None:
        """The record called ``name``, or ``default``."""
        return self._records.get(name, default) if isinstance(name, str) else default

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __repr__(self) -> str:
        return f"Registry({self.kind}: {', '.join(self._records)})"
