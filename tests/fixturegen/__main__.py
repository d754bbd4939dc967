"""`python -m tests.fixturegen`: regenerate tests/fixtures/ and demo/ from the specs."""

from __future__ import annotations

from pathlib import Path

from tests.fixturegen import deviation
from tests.fixturegen.cases import write_all_cases
from tests.fixturegen.portals import write_portals

REPO = Path(__file__).resolve().parents[2]


def main() -> None:
    write_all_cases(REPO / "tests" / "fixtures")
    deviation.main()
    write_portals(REPO / "demo")
    print(f"wrote {REPO / 'tests' / 'fixtures'} and {REPO / 'demo'}")


if __name__ == "__main__":
    main()
