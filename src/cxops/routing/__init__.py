"""Decide, route and hand off: policy, decision engine, queues, capacity and Erlang C."""
