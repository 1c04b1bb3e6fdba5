"""Every test that ``tests/slow_tests.py`` marks ``slow`` exists in its file."""

import re
from pathlib import Path

import pytest

from tests.slow_tests import SLOW_TESTS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", sorted(SLOW_TESTS))
def test_every_slow_test_is_defined_in_its_file(path):
    source = (ROOT / path).read_text()
    defined = set(re.findall(r"^def (test_\w+)\(", source, flags=re.MULTILINE))
    missing = [name for name in SLOW_TESTS[path] if name.split("[")[0] not in defined]
    assert missing == []
