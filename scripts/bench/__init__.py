"""Benchmark tooling: synthetic OpenAlex data (generate_works), the COPY baseline
(copy_baseline) and the import benchmark harness (bench_import). Not part of the app."""
