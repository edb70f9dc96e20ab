"""Subcommands of ``python -m workbench`` (one module each)."""
