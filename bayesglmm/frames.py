"""Data frames of other libraries, converted to pandas once where they come in.

``bg.Model(formula, data)``, ``Model.from_template``, ``Model.set_data`` and
``fit.predict(newdata)`` take a pandas DataFrame, a polars DataFrame, or any table that
speaks the dataframe interchange protocol (``__dataframe__``) or the Arrow PyCapsule
stream interface (``__arrow_c_stream__``): pyarrow tables, DuckDB relations and others.
Everything past the entry point works on pandas.
"""

from __future__ import annotations

import warnings

import pandas as pd

from bayesglmm.errors import DataError

ACCEPTED = "a DataFrame (pandas, polars, or any table with __dataframe__ or __arrow_c_stream__)"
"""What the data arguments accept, as the error messages say it."""


def _refusal(data: object, argument: str) -> DataError:
    hint = "wrap it with pandas.DataFrame(...)"
    if callable(getattr(data, "collect", None)):  # a lazy polars or DuckDB query
        hint = "collect it first, for example with .collect()"
    elif type(data).__name__ == "Series":
        hint += ", or pandas.DataFrame([row]) for one row"
    return DataError(f"{argument} must be {ACCEPTED}, not {type(data).__name__}; {hint}.")


def as_pandas(data: object, argument: str = "data") -> pd.DataFrame:
    """``data`` as a pandas DataFrame, for a data argument named ``argument``.

    A pandas DataFrame is returned as it is, not copied (bayesglmm never modifies the
    caller's data). A table with a ``to_pandas()`` method (polars, pyarrow) is converted
    by it; another table through the Arrow PyCapsule stream
    (:meth:`pandas.DataFrame.from_arrow`) or else the interchange protocol
    (:func:`pandas.api.interchange.from_dataframe`). A polars ``Categorical`` column has
    its levels sorted, as a string column's are; a polars ``Enum`` keeps its order, so
    its first level is the reference, as in a pandas categorical. Through the protocols,
    levels keep the order the table gives them.

    Parameters
    ----------
    data
        The caller's table.
    argument
        The argument's name (``"data"``, ``"newdata"``), which starts the error message.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataError
        For anything else (a dict, an array, a Series), naming the argument and what it
        accepts, or for a table that cannot be converted.

    Examples
    --------
    >>> import polars as pl
    >>> from bayesglmm.frames import as_pandas
    >>> as_pandas(pl.DataFrame({"y": [1.5, 2.0], "g": ["a", "b"]}))
         y  g
    0  1.5  a
    1  2.0  b
    >>> as_pandas({"y": [1.5, 2.0]}, "newdata")
    Traceback (most recent call last):
    ...
    bayesglmm.errors.DataError: newdata must be a DataFrame (pandas, polars, or any table \
with __dataframe__ or __arrow_c_stream__), not dict; wrap it with pandas.DataFrame(...).
    """
    if isinstance(data, pd.DataFrame):
        return data
    arrow = hasattr(data, "__arrow_c_stream__")
    interchange = hasattr(data, "__dataframe__")
    if isinstance(data, pd.Series) or not (arrow or interchange):
        raise _refusal(data, argument)
    try:
        if callable(getattr(data, "to_pandas", None)):
            frame = data.to_pandas()
        elif arrow:
            frame = pd.DataFrame.from_arrow(data)
        else:
            with warnings.catch_warnings():  # pandas 3 deprecates the protocol, not its users
                warnings.filterwarnings("ignore", "The Dataframe Interchange Protocol")
                frame = pd.api.interchange.from_dataframe(data)
    except Exception as error:
        raise DataError(
            f"{argument} ({type(data).__name__}) could not be converted to a pandas "
            f"DataFrame: {error}. Convert it yourself, for example with .to_pandas()."
        ) from None
    if not isinstance(frame, pd.DataFrame):
        raise _refusal(data, argument)
    return _sorted_polars_categories(data, frame)


def _sorted_polars_categories(data: object, frame: pd.DataFrame) -> pd.DataFrame:
    """A polars ``Categorical`` column arrives with its levels in the order polars first
    met the strings (in this process, not only in this frame); sort them as strings are
    sorted, so the reference level does not depend on that history. An ``Enum`` keeps
    its declared order, like a pandas categorical."""
    if type(data).__module__.partition(".")[0] != "polars":
        return frame
    for name, dtype in data.schema.items():
        if type(dtype).__name__ == "Categorical" and name in frame.columns:
            column = frame[name]
            if isinstance(column.dtype, pd.CategoricalDtype) and not column.cat.ordered:
                frame[name] = column.cat.reorder_categories(sorted(column.cat.categories))
    return frame
