"""`sops-mock record`: a proxy in front of a deployment that journals and compiles what it saw."""
