"""Scanned fixtures: fixture PDFs rendered to page images, degraded as scanners do, rebuilt image-only."""
