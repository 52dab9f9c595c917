"""One module per scale-plan phase; see pwload.cli for the interface a scenario implements."""
