"""Placeholder: the intune service plugin's content is being written."""
