"""harness: fixtures, server and pass/fail rules around locust for the PersonaWorlds load tests.

Locust (loadtest/locust/<scenario>.py) sends the load and keeps the latency statistics; this
package (Python 3 standard library only) does what a load generator does not know about:

  core       SetupError, the log prefix, exit codes, small parsers
  client     JSON/bytes client over http.client for the setup, one keep-alive connection per thread
  server     start the binary on a free loopback port with a temporary database (or use --url)
  fixtures   signup, personas, published posts, battles, public profiles, follows
  locust     run a locustfile headless, read back its figures, percentiles
  metrics    Prometheus text parsing, background sampler (queue depth, server RSS)
  cli        the shared command line: flags, signals, server start/stop, exit codes
  scenarios  one module per phase: flags, setup, thresholds and report (public = phase 1,
             mixed = phase 2, queue = phase 3)

Entry point: python3 loadtest/run.py <scenario> [flags]
"""
