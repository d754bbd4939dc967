"""Generates the fixture documents, their golden files and the demo portals.

Run `python -m tests.fixturegen` from the repository root. Dev only: needs reportlab,
python-docx and the Debian font package fonts-wqy-zenhei.
"""
