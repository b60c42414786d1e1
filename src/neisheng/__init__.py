"""Neisheng 内生."""
__version__ = "0.1.0"
