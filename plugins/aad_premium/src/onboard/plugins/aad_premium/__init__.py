"""Placeholder: the aad_premium service plugin's content is being written."""
