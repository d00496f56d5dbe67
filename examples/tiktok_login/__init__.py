"""Log in with TikTok: a small web app built on the generated `generated.tiktok` client.

Run it with `python -m examples.tiktok_login` from the repository root; see README.md here.
"""

from .app import AUTHORIZE_URL, SCOPE, Config, ConfigError, LoginApp, LoginServer, main, make_server

__all__ = [
    "AUTHORIZE_URL",
    "SCOPE",
    "Config",
    "ConfigError",
    "LoginApp",
    "LoginServer",
    "main",
    "make_server",
]
