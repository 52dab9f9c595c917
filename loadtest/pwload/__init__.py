"""pwload: the PersonaWorlds load-test runner (Python 3 standard library only).

One library for every phase of the scale plan, so the server lifecycle, the HTTP client, the
fixtures, the load generators and the latency statistics exist once:

  core       SetupError, the log prefix, exit codes, small parsers
  client     JSON/bytes client over http.client, one keep-alive connection per thread
  server     start the binary on a free loopback port with a temporary database (or use --url)
  fixtures   signup, personas, published posts, battles, public profiles, follows
  loadgen    open-loop constant-throughput generator (several endpoints at their own rates) and
             closed-loop virtual users (each loops over its requests with a think time)
  stats      nearest-rank percentiles, per-endpoint summaries
  metrics    Prometheus text parsing, background sampler
  cli        the shared command line: flags, signals, server start/stop, exit codes
  scenarios  one module per phase (public = phase 1, mixed = phase 2, queue = phase 3)

Entry point: python3 loadtest/run.py <scenario> [flags]
"""
