"""gcp layer (being built)."""
