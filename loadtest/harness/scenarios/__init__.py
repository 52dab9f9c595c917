"""One module per scale-plan phase; see harness.cli for the interface a scenario implements."""
