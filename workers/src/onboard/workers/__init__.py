"""onboard workers."""
