"""Adapters for the ports: clocks, order systems and other outside systems."""
