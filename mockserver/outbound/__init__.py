"""bk-sops's callback_url webhooks, made for real: records, bodies, the HTTP client, the pump.

DESIGN.md section 6: outbound calls are effects of engine events on the clock, made by the
HTTP shell with a real HTTP client and journalled; the engine only says that a task ended and
how (Engine.take_task_ends).
"""

from .outbox import Outbox
from .pump import Pump, after_request, drain, ticking

__all__ = ["Outbox", "Pump", "after_request", "drain", "ticking"]
