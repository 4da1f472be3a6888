"""Regenerate a golden case's expected.ttl (review the diff before committing!).

Usage: python tests/golden.py nhfl-table5 [...]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from crm_kg.build.serialize import HEADER, turtle  # noqa: E402
from test_golden import CASES, run_case  # noqa: E402


def main(names: list[str]) -> None:
    for name in names:
        text = turtle(run_case(name)).replace(
            HEADER, "# Expected RDF for input.txt: parser + mapping output, reviewed by hand.\n")
        (CASES / name / "expected.ttl").write_text(text, encoding="utf-8")
        print(f"wrote {CASES / name / 'expected.ttl'}")


if __name__ == "__main__":
    main(sys.argv[1:])
