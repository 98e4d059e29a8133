"""What sending mail to the editor raises (the whole tree: `classify/errors.py`)."""

from __future__ import annotations

from classify.errors import TinbaiError


class DeliveryError(TinbaiError):
    """The SMTP server refused or could not be reached for good."""


class TemporaryDeliveryError(DeliveryError):
    """The SMTP server failed in a way that may pass: retry later."""
