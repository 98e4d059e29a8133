"""Run only by `test_secret_scan.py` (the name keeps pytest from collecting it itself).

A test that logs the suite's IMAP password at DEBUG and one that logs nothing secret:
the suite's secret scan (tests/conftest.py) must fail the first and pass the second.
"""

import logging

from dovecot import PASSWORD


def test_a_password_logged_at_debug() -> None:
    logging.getLogger("tinbai.demo").debug("LOGIN user %s", PASSWORD)


def test_a_password_masked() -> None:
    logging.getLogger("tinbai.demo").debug("LOGIN user ***")
