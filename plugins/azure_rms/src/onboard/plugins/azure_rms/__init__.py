"""Placeholder: the azure_rms service plugin's content is being written."""
