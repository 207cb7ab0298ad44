"""Placeholder: the ems service plugin's content is being written."""
