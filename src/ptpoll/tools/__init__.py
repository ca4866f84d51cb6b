"""The command line: ``ptpoll trace`` and ``ptpoll bench`` (layer 6 of
DESIGN.md: built on the public API only)."""
