"""The whole suite runs at DEBUG and fails a test that printed or logged a test secret."""

import subprocess
import sys
from pathlib import Path

from conftest import ROOT, leaked_secrets
from digestkit import SMTP_PASSWORD
from dovecot import PASSWORD


def test_a_test_that_logs_a_secret_fails_and_one_that_masks_it_passes() -> None:
    demo = Path(__file__).with_name("leak_demo.py")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(demo)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 1 passed" in done.stdout
    assert "FAILED tests/foundation/leak_demo.py::test_a_password_logged_at_debug" in done.stdout
    assert "a test secret (1) was printed or logged" in done.stdout


def test_secrets_are_found_raw_and_in_base64() -> None:
    assert leaked_secrets(f"AUTH PLAIN user {PASSWORD}") == [PASSWORD]
    assert leaked_secrets("334 Y29ycmVjdCBob3JzZSBiYXR0ZXJ5IHN0YXBsZQ==") == [SMTP_PASSWORD]
    assert leaked_secrets("LOGIN user ***") == []
