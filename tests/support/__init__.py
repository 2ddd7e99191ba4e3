"""Reusable test helpers: a throwaway PostgreSQL cluster and the real province server as a subprocess."""
