"""HTTP against the running service: the contract clients rely on."""
