"""rollout layer (being built)."""
