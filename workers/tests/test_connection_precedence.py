"""Where `onboard worker` gets its connection: profile file < TEMPORAL_* env < flags.

Unit level (no server): the keyword arguments ``Client.connect`` would receive.
"""

import os
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from onboard.core.connection import ConnectionOptions, connect_config, connection_options
from onboard.core.errors import OnboardError

PROFILE_FILE = """
[profile.default]
address = "profile-default.example:7233"
namespace = "from-profile"

[profile.cloud]
address = "cloud.example.tmprl.cloud:7233"
namespace = "cloud-ns.acct"
api_key = "key-from-profile"
"""


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No TEMPORAL_* variable or user profile of the machine may leak into a test."""
    for name in list(os.environ):
        if name.startswith("TEMPORAL_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    config = tmp_path / "temporal.toml"
    config.write_text(PROFILE_FILE)
    return config


def test_nothing_configured_means_the_local_default():
    config = connect_config(ConnectionOptions())
    assert config["target_host"] == "localhost:7233"
    assert config["namespace"] == "default"
    assert not config.get("tls")


def test_the_profile_file_from_the_flag_or_the_environment(_clean_environment, monkeypatch):
    by_flag = connect_config(ConnectionOptions(config_file=str(_clean_environment)))
    assert (by_flag["target_host"], by_flag["namespace"]) == ("profile-default.example:7233", "from-profile")

    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(_clean_environment))
    by_env = connect_config(ConnectionOptions())
    assert (by_env["target_host"], by_env["namespace"]) == ("profile-default.example:7233", "from-profile")


def test_a_named_profile_with_an_api_key_turns_tls_on(_clean_environment, monkeypatch):
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(_clean_environment))
    by_flag = connect_config(ConnectionOptions(profile="cloud"))
    monkeypatch.setenv("TEMPORAL_PROFILE", "cloud")
    by_env = connect_config(ConnectionOptions())
    for config in (by_flag, by_env):
        assert config["target_host"] == "cloud.example.tmprl.cloud:7233"
        assert config["namespace"] == "cloud-ns.acct"
        assert config["api_key"] == "key-from-profile"
        assert config["tls"]


def test_environment_variables_override_the_profile(_clean_environment, monkeypatch):
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(_clean_environment))
    monkeypatch.setenv("TEMPORAL_ADDRESS", "env.example:7233")
    config = connect_config(ConnectionOptions())
    assert config["target_host"] == "env.example:7233"
    assert config["namespace"] == "from-profile", "what the environment does not say comes from the profile"


def test_flags_override_environment_and_profile(_clean_environment, monkeypatch):
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(_clean_environment))
    monkeypatch.setenv("TEMPORAL_ADDRESS", "env.example:7233")
    monkeypatch.setenv("TEMPORAL_NAMESPACE", "env-ns")
    config = connect_config(ConnectionOptions(address="flag.example:7233", namespace="flag-ns"))
    assert (config["target_host"], config["namespace"]) == ("flag.example:7233", "flag-ns")


def test_an_api_key_from_the_environment_turns_tls_on_and_no_tls_wins(monkeypatch):
    monkeypatch.setenv("TEMPORAL_API_KEY", "key-from-env")
    config = connect_config(ConnectionOptions())
    assert config["api_key"] == "key-from-env"
    assert config["tls"]
    assert connect_config(ConnectionOptions(tls=False))["tls"] is False


def test_an_unknown_profile_is_a_clear_error(_clean_environment):
    with pytest.raises(OnboardError, match=r"cannot load connection profile 'nope' from .*temporal.toml"):
        connect_config(ConnectionOptions(profile="nope", config_file=str(_clean_environment)))


def test_an_unreadable_tls_file_names_the_file(tmp_path):
    missing = tmp_path / "client.pem"
    with pytest.raises(OnboardError, match=r"cannot read TLS file .*client.pem"):
        connect_config(ConnectionOptions(tls_cert=str(missing), tls_key=str(missing)))


def test_the_command_line_flags_reach_the_connection(_clean_environment, monkeypatch):
    monkeypatch.setenv("TEMPORAL_API_KEY", "key-from-env")
    seen: list[ConnectionOptions] = []

    @click.command()
    @connection_options
    def probe(connection: ConnectionOptions) -> None:
        seen.append(connection)

    result = CliRunner().invoke(
        probe,
        ["--address", "flag.example:7233", "-n", "flag-ns", "--profile", "cloud", "--config-file",
         str(_clean_environment), "--no-tls"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (options,) = seen
    assert options == ConnectionOptions(
        address="flag.example:7233",
        namespace="flag-ns",
        profile="cloud",
        config_file=str(_clean_environment),
        api_key="key-from-env",
        tls=False,
    )
    config = connect_config(options)
    assert (config["target_host"], config["namespace"], config["tls"]) == (
        "flag.example:7233",
        "flag-ns",
        False,
    )
