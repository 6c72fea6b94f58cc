"""Triage: understand every inbound message before anything is decided."""
