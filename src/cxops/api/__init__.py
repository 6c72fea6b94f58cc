"""The HTTP API. Thin: it checks who is calling, translates DTOs, and calls the pipeline."""
