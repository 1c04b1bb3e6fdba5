"""Turn every case-study script into an executed notebook next to it.

Each ``case_studies/<name>.py`` (a jupytext percent script) becomes
``case_studies/<name>.ipynb``, executed with the full number of draws so the committed
notebooks show real results on GitHub. Needs the ``notebooks`` extra::

    bash tools/run pip install -e ".[notebooks]"
    bash tools/run python tools/build_notebooks.py            # all case studies
    bash tools/run python tools/build_notebooks.py infection  # one
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jupytext
from nbclient import NotebookClient

FOLDER = Path(__file__).parents[1] / "case_studies"


def build(script: Path) -> Path:
    """Execute ``script`` as a notebook and write it beside the script."""
    notebook = jupytext.read(script)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    NotebookClient(notebook, timeout=3600, kernel_name="python3").execute(cwd=str(FOLDER))
    target = script.with_suffix(".ipynb")
    jupytext.write(notebook, target)
    return target


def main() -> None:
    names = sys.argv[1:] or sorted(path.stem for path in FOLDER.glob("*.py"))
    for name in names:
        start = time.perf_counter()
        target = build(FOLDER / f"{name}.py")
        print(f"{target.name}: {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
