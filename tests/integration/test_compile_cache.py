"""PyTensor's compile cache: a clear error when it cannot be created, and no generated
source left in the temporary directory."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

FIT = textwrap.dedent(
    """
    import warnings
    import bayesglmm as bg
    warnings.simplefilter("ignore", bg.ConvergenceWarning)
    model = bg.Model("favorable | trials(n) ~ treatment + (1 | clinic)",
                     bg.datasets.load("infection"), family="binomial")
    model.fit(draws=50, tune=50, chains=2, seed=1, progress=False)
    """
)


def _run(code: str, **environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "PYTENSOR_FLAGS"}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**env, **environment},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_home_without_room_for_the_cache_gives_one_error_with_the_fix():
    result = _run("import bayesglmm", HOME="/dev/null", MPLCONFIGDIR="/tmp")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("bayesglmm.errors.CompileCacheError: PyTensor cannot create its ")
    assert last.endswith(
        "Point it at a writable folder before starting Python, for example "
        "PYTENSOR_FLAGS=base_compiledir=/tmp/pytensor-cache, or make your home directory "
        "writable."
    )


def test_a_fit_leaves_nothing_in_the_temporary_directory(tmp_path: Path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = _run(FIT, TMPDIR=str(scratch))
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in scratch.iterdir()) == []
