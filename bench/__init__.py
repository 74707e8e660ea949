"""The hotline's benchmarks: `make bench` (python -m bench.run) runs them all; see bench/run.py."""
