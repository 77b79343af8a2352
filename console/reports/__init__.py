"""Printable reports (the daily summary's PDF)."""
