"""Routes for every operation on the three URL families, generated from the operation table."""

from __future__ import annotations

from starlette.routing import BaseRoute

from schemas.operations import OPERATIONS, Operation

from .dispatch import endpoint
from .fastroute import OperationRoute
from .inbound import Family

# The ESB serves the official client with and without the version segment.
ESB_PREFIXES = ("/api/c/compapi/v2/sops", "/api/c/compapi/sops")
GATEWAY_PREFIX = "/api/bk-sops/{stage}"
BACKEND_PREFIX = "/apigw"


def _id_segments(op: Operation) -> str:
    # Starlette's int convertor matches [0-9]+, so a non-numeric id is a 404, as in bk-sops.
    return "".join(f"{{{name}:int}}/" for name in op.path_ids)


def operation_routes(operations: tuple[Operation, ...] = OPERATIONS) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for op in operations:
        ids = _id_segments(op)
        families: list[tuple[Family, str]] = [("backend", f"{BACKEND_PREFIX}/{op.name}/{ids}")]
        # The gateway publishes only the resources of bk-sops's api-resources.yml; any other
        # path is its API_NOT_FOUND.
        if op.on_gateway:
            families.append(("gateway", f"{GATEWAY_PREFIX}/{op.name}/{ids}"))
        families += [("esb", f"{prefix}/{op.name}/") for prefix in ESB_PREFIXES]
        for family, path in families:
            routes.append(OperationRoute(path, endpoint(op, family), operation=op, family=family))
    return routes
