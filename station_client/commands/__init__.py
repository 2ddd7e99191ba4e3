"""Headless subcommands of ``station-client``. Each module has ``register(subparsers)``; list it in cli.py."""
