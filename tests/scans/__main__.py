"""`python -m tests.scans`: rebuild the scanned fixtures (tests/fixtures/scan-*/) from their originals."""

from __future__ import annotations

from tests.scans.build import FIXTURES, REAL_SCANS, SCANS, write_scan
from tests.scans.mixed import NAME, write_mixed


def main() -> None:
    for scan in (*SCANS, *REAL_SCANS):
        write_scan(scan, FIXTURES)
        print(f"wrote {FIXTURES / scan.name}")
    write_mixed(FIXTURES)
    print(f"wrote {FIXTURES / NAME}")


if __name__ == "__main__":
    main()
