"""Webhooks: subscriptions, and events published to them through a transactional outbox.

`publish` is what the rest of cxops calls, inside its own unit of work, when something happened
that outside systems (an ACD, a CRM) want to hear about. Sending is done later, at least once, by
the dispatcher in `cxops.connectors.webhooks`.
"""

from cxops.webhooks.service import deactivate, publish, replay, subscribe

__all__ = ["deactivate", "publish", "replay", "subscribe"]
