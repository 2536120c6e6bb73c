"""`python -m contract_tests`: the contract command (see contract_tests.cli)."""

from .cli import main

raise SystemExit(main())
