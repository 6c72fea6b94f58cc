"""Self-service: the bot that resolves routine requests end to end through the order system."""
