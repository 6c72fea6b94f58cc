"""Governance: who may do what, and the keys they do it with."""
