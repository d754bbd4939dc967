"""Findings between reports and between a report's prose and its tables (rows of `checks`)."""
