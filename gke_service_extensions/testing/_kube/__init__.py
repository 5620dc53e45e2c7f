"""The simulator's Kubernetes half: object store, API server, fault injection."""
