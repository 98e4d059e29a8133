"""A secret pasted where its variable's or file's name belongs is never printed back.

Through the real `tinbai` command in a subprocess: what a user (and their terminal's
scroll-back, their CI log) would see.
"""

from __future__ import annotations

import pytest

from tinbai.config import looks_like_secret

GMAIL_APP_PASSWORD = "abcd efgh ijkl mnop"
TOKEN = "ghp_R4nd0mT0kenW1thM1xedCase0123456789"


def _set(config, old: str, new: str) -> None:
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    "secret",
    [GMAIL_APP_PASSWORD, GMAIL_APP_PASSWORD.replace(" ", ""), TOKEN],
    ids=["app-password", "app-password-no-spaces", "token"],
)
def test_a_secret_in_password_env_is_named_as_such_and_not_printed(tinbai, secret):
    _set(tinbai.config, 'password_env = "TINBAI_IMAP_PASSWORD"', f'password_env = "{secret}"')
    line = tinbai.fails("poll", code=2)
    assert secret not in line
    assert secret.split()[0] not in line
    assert (
        "mailbox: `password_env` holds something that is not an environment variable name" in line
    )
    assert "it looks like a secret, so it is not shown" in line


def test_a_secret_in_password_file_is_not_printed(tinbai):
    secret = GMAIL_APP_PASSWORD.replace(" ", "")
    _set(tinbai.config, 'password_env = "TINBAI_IMAP_PASSWORD"', f'password_file = "{secret}"')
    line = tinbai.fails("poll", code=2)
    assert secret not in line
    assert "cannot read password_file (the value of `password_file`, not shown" in line


def test_a_secret_in_secret_key_env_is_not_printed(tinbai):
    text = tinbai.config.read_text(encoding="utf-8")
    tinbai.config.write_text(f'{text}\n[web]\nsecret_key_env = "{TOKEN}"\n', encoding="utf-8")
    line = tinbai.fails("serve", "--port", "0", code=2)
    assert TOKEN not in line
    assert "web: `secret_key_env` holds something that is not an environment variable name" in line


def test_a_value_of_the_wrong_type_for_password_env_is_not_printed(tinbai):
    _set(tinbai.config, 'password_env = "TINBAI_IMAP_PASSWORD"', "password_env = 739104826351")
    line = tinbai.fails("units", code=2)
    assert "739104826351" not in line
    assert "mailbox.password_env" in line
    assert "not shown: it may be a secret" in line


def test_an_unset_variable_with_a_real_name_is_still_named(tinbai):
    line = tinbai.fails("poll", code=2)
    assert "mailbox: the environment variable TINBAI_IMAP_PASSWORD is not set" in line


def test_users_add_does_not_print_a_secret_given_as_the_variable(tinbai):
    done = tinbai("users", "add", "an", "--role", "admin", "--password-env", TOKEN, check=False)
    assert done.returncode == 2
    assert TOKEN not in done.stderr
    assert "looks like a secret" in done.stderr


@pytest.mark.parametrize(
    ("value", "env_name", "secret"),
    [
        ("TINBAI_IMAP_PASSWORD", True, False),
        ("imap_password", True, False),
        ("TINBAI_WEB_SECRET", True, False),
        ("web-secret.txt", False, False),
        ("/etc/tinbai/imap.pass", False, False),
        ("secrets/imap-password", False, False),
        (GMAIL_APP_PASSWORD, True, True),
        (GMAIL_APP_PASSWORD, False, True),
        ("abcdefghijklmnop", True, True),
        ("abcdefghijklmnop", False, True),
        (TOKEN, True, True),
        ("X9fK2mQ7", True, True),
        ("ya29.a0AfH6SMBxyzQ12", False, True),
        ("p@ss=word!", True, True),
    ],
)
def test_what_looks_like_a_secret(value, env_name, secret):
    assert looks_like_secret(value, env_name=env_name) is secret
