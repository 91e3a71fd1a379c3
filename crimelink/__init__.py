"""Crimelink: one place for a serious and organised crime partnership to share, link and act on what it knows."""

__version__ = "0.1.0"

__all__ = ["__version__"]
