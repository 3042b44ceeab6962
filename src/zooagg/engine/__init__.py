"""Engines run the pure task functions over data: `local` (this machine)."""
