"""testing layer (being built)."""
