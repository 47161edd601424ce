"""The side-by-side load benchmark behind `make bench-load` (see bench/load/run)."""
