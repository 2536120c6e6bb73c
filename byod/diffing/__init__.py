"""`sops-mock diff`: one seeded script against two targets, and what differs between them."""
