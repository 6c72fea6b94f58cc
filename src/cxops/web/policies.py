"""Console page module, being built (issue 7)."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
