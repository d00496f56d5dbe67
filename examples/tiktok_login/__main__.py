"""`python -m examples.tiktok_login`: serve the login example (configured from the environment)."""

from .app import main

raise SystemExit(main())
