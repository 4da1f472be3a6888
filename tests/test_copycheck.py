"""No line of the repository repeats a run of a report's words (../shared/hooks/copycheck.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

HOOK = ROOT.parent / "shared" / "hooks" / "copycheck.py"


@pytest.mark.skipif(not HOOK.exists(), reason="../shared/hooks is not beside the repository")
def test_no_report_sentences_in_the_repository():
    proc = subprocess.run([sys.executable, str(HOOK), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout
