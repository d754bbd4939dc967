"""`python -m tests.scans`: rebuild the scanned fixtures (tests/fixtures/scan-*/) from their originals."""

from __future__ import annotations

from tests.scans.build import FIXTURES, SCANS, write_scan


def main() -> None:
    for scan in SCANS:
        write_scan(scan, FIXTURES)
        print(f"wrote {FIXTURES / scan.name}")


if __name__ == "__main__":
    main()
