"""Contract-test kit: schemathesis suites against the mock in-process or any base URL."""
