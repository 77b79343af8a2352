"""Command-line commands, one module per feature; each exposes `add_commands(subparsers)`."""
