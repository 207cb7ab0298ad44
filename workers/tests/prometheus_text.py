"""Read Prometheus' text exposition format (what /metrics serves) into samples."""

import re
import urllib.request

from attrs import frozen

_SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})? (?P<value>\S+)$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


@frozen
class Sample:
    name: str
    labels: dict[str, str]
    value: float


def parse(text: str) -> list[Sample]:
    """Every sample line; comment lines (# HELP, # TYPE) are skipped."""
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        assert match, f"not a Prometheus sample line: {line!r}"
        labels = dict(_LABEL.findall(match["labels"] or ""))
        samples.append(Sample(match["name"], labels, float(match["value"])))
    return samples


def scrape(url: str) -> list[Sample]:
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return parse(response.read().decode())


def value(samples: list[Sample], name: str, **labels: str) -> float | None:
    """The value of the one sample ``name`` whose labels include ``labels`` (None if absent)."""
    found = [s.value for s in samples if s.name == name and labels.items() <= s.labels.items()]
    assert len(found) <= 1, f"{name} {labels}: {len(found)} samples"
    return found[0] if found else None
