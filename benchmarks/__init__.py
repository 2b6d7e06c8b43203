"""Benchmarks, resilience drills and their data, kept out of the product: nothing under config/, commissioning/ or
workflows/ imports this package, and the production image (docker/Dockerfile) does not contain it.

- `python -m benchmarks bench` (`make bench`): speed at two data sizes against the production configuration
  (`benchmarks.bench`);
- `python -m benchmarks drills` (`make drills`): races, outages and a killed worker (`benchmarks.drills`);
- `python -m benchmarks sweeps` (`make bench-sweeps`): the seat reminder sweep at 50,000 seats
  (`benchmarks.sweeps`);
- `python -m benchmarks data --scale S`: fill an empty database with benchmark data (`benchmarks.data`);
- `stack`: the production configuration's processes started without Docker (the production smoke test uses it too);
- `world`: the small world the tests, the drills and the benchmarks build through the services;
- `urls`: `/bench/baseline/`, served only when `BENCHMARK_BASELINE` is on (`make bench`, from a checkout).
"""
