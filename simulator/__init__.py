"""A pure, deterministic task-lifecycle engine modelled on bamboo-engine. Standard library only."""
