"""kup-console: live operations console for the electronic crime-registration register (KUP)."""

__version__ = "0.1.0"
