"""The key that signs console session cookies: configured, or made once and kept in data_dir.

Never a constant in the code: anyone who knows the key can forge a session for any role.
"""

import os
import secrets
from pathlib import Path

from cxops.settings import Settings

SECRET_FILE = "console-secret"


class ConsoleSecretError(RuntimeError):
    """The kept key file is unusable; the message says how to fix it."""


def console_secret(settings: Settings) -> str:
    """`console_secret` from the settings, else the key in `data_dir/console-secret`, made on
    first use (readable by its owner only). Several processes starting at once agree on one."""
    if settings.console_secret is not None:
        return settings.console_secret.get_secret_value()
    path = settings.data_dir / SECRET_FILE
    if not path.exists():
        _create(path)
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise ConsoleSecretError(
            f"{path} holds no usable key; delete it (a new one is made) or set CXOPS_CONSOLE_SECRET"
        )
    return secret


def _create(path: Path) -> None:
    """Write a fresh key to a private temporary file, then link it into place: the link fails
    if another process got there first, so no reader ever sees a half-written key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
