"""Errors with a message a person can act on: each names what is wrong and where."""


class OnboardError(Exception):
    """Base class: the CLI prints ``str(error)`` on one line and exits non-zero."""


class PluginLoadError(OnboardError):
    """A plugin could not be imported or registered (strict mode only; else recorded)."""


class PluginHookError(OnboardError):
    """A plugin's hook raised or returned something invalid."""

    def __init__(self, plugin: str, hook: str, problem: str) -> None:
        super().__init__(f"plugin {plugin!r}, hook {hook}: {problem}")
        self.plugin = plugin
        self.hook = hook
        self.problem = problem


class PlanError(OnboardError):
    """The engagement cannot be planned: unknown service, bad fact, not eligible, …"""


class SpecError(OnboardError):
    """An engagement file is invalid; the message names the file and field."""
