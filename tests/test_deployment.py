"""docker-compose.yml must parse and run what `make up` runs (no Docker engine here)."""
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def test_compose_parses_and_mirrors_make_up():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "hotline"}
    hotline = services["hotline"]
    assert hotline["command"][0] == "up"  # the same `hotline up` as `make up`
    assert hotline["environment"]["HOTLINE_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert (REPO / hotline["build"]["dockerfile"]).exists()
    assert "$(VENV)/bin/hotline up" in (REPO / "Makefile").read_text()


def test_dockerfile_installs_asterisk_and_runs_hotline():
    dockerfile = (REPO / "docker" / "Dockerfile").read_text()
    assert "asterisk" in dockerfile
    assert 'ENTRYPOINT ["/app/.venv/bin/hotline"]' in dockerfile
    assert 'CMD ["up"]' in dockerfile
