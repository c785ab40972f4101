"""Benchmarks and the synthetic ledger generator: see bench/README.md."""
