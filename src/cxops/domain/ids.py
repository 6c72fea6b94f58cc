"""Identifiers: typed ids and the generator for the records cxops itself creates.

Ids of records that come from the retailer's systems (customers, orders, products) keep the
retailer's format. Records cxops creates get a prefixed, time-ordered id so that they sort by
creation time and cannot be enumerated.
"""

import os
import time
from typing import NewType

CustomerId = NewType("CustomerId", str)
ProductId = NewType("ProductId", str)
OrderId = NewType("OrderId", str)
ShipmentId = NewType("ShipmentId", str)
ReturnId = NewType("ReturnId", str)
RefundId = NewType("RefundId", str)
PromotionId = NewType("PromotionId", str)
ConversationId = NewType("ConversationId", str)
MessageId = NewType("MessageId", str)
DecisionId = NewType("DecisionId", str)
HandoffId = NewType("HandoffId", str)
QueueId = NewType("QueueId", str)
AgentId = NewType("AgentId", str)
UserId = NewType("UserId", str)
ApiKeyId = NewType("ApiKeyId", str)
WebhookId = NewType("WebhookId", str)
DeliveryId = NewType("DeliveryId", str)
EventId = NewType("EventId", str)
ActionId = NewType("ActionId", str)
SuggestionId = NewType("SuggestionId", str)

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id(prefix: str) -> str:
    """Return `prefix_` + 26 Crockford base32 chars: 48 bits of milliseconds, 80 random bits."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        value, index = divmod(value, 32)
        chars.append(_CROCKFORD[index])
    return f"{prefix}_{''.join(reversed(chars))}"
