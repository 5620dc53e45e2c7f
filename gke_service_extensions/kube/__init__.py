"""kube layer (being built)."""
