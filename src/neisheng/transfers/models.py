"""Uploads waiting for a decision: a workbook is checked, previewed, then applied whole."""
