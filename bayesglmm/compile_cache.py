"""Where PyTensor keeps what it compiles, checked before anything imports it.

PyTensor creates its compile cache (``~/.pytensor`` unless ``PYTENSOR_FLAGS`` sets
``base_compiledir``) when it is first imported, and writes the generated source of every
compiled function into the system's temporary directory, where it stays. Importing
bayesglmm goes through :func:`prepare_compile_cache` first, which turns a cache that
cannot be created into one :class:`~bayesglmm.errors.CompileCacheError` with the fix, and
keeps generated source in the cache itself, content-addressed, so repeated fits reuse
the same files and PyTensor prunes them with the rest of the cache. It runs when this
module is imported, which ``bayesglmm/__init__.py`` does before anything else.

Examples
--------
>>> from pathlib import Path
>>> import pytensor
>>> Path(pytensor.config.generated_src_dir).parent == Path(pytensor.config.compiledir)
True
"""

from __future__ import annotations

from pathlib import Path

from bayesglmm.errors import CompileCacheError

REPRODUCIBLE_FLAGS = {"numba__fastmath": False}
"""PyTensor flags every sampler compiles with. Numba's fastmath lets a function compiled
afresh and the same function loaded from the cache round differently, so one seed gave
other draws on a cold cache than on a warm one; without it they are bit-identical (at
about 1.3x the cost per gradient on the 73k-row crossed model, benchmarks/README.md)."""

GENERATED_SOURCE_FOLDER = "generated_src"
"""Folder inside PyTensor's compile directory for generated source files."""


def reproducible_compile():
    """A context in which PyTensor compiles with :data:`REPRODUCIBLE_FLAGS`.

    Examples
    --------
    >>> import pytensor
    >>> with reproducible_compile():
    ...     pytensor.config.numba__fastmath
    False
    """
    import pytensor

    return pytensor.config.change_flags(**REPRODUCIBLE_FLAGS)


def prepare_compile_cache() -> None:
    """Import PyTensor, explaining a compile cache that cannot be created, and keep
    generated source inside the cache unless the user chose another folder.

    Raises
    ------
    CompileCacheError
        When the cache folder cannot be created or written.
    """
    try:
        import pytensor

        compiledir = Path(pytensor.config.compiledir)
    except (OSError, ValueError) as error:
        raise CompileCacheError(
            f"PyTensor cannot create its compile cache ({error}). Point it at a writable "
            "folder before starting Python, for example "
            "PYTENSOR_FLAGS=base_compiledir=/tmp/pytensor-cache, or make your home "
            "directory writable."
        ) from None
    if not pytensor.config.generated_src_dir:
        pytensor.config.generated_src_dir = str(compiledir / GENERATED_SOURCE_FOLDER)


prepare_compile_cache()
