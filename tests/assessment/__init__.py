"""Tests of the assessment engine (onboard.core.assessment) and `onboard assess`."""
