"""tinbai: counts what units email to a publicity plan's mailbox.

This package is the composition root: CLI, config loading and the service
that wires `ingest`, `classify`, `store` and `digest` together.
"""

__version__ = "0.1.0"
