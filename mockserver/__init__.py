"""The HTTP shell: a Starlette app that answers as bk-sops does, over the simulator."""
