"""What a contact costs, as data: the cost model behind the "cost per interaction" KPI.

The figures are the operations lead's to set (`data/analytics/costs.yaml`). They are validated on
load (errors name the line and field; a negative or missing figure is refused rather than read as
free) and labelled `name@version+sha8` like the routing policy, so every report names the figures
its costs were computed with.
"""

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

from pydantic import BaseModel, ConfigDict, Field

from cxops.configfile import load_model

if TYPE_CHECKING:
    from cxops.analytics.kpis import FactSums

DEFAULT_COST_MODEL: Final = "analytics/costs.yaml"

_Amount = Annotated[float, Field(ge=0)]


class CostModel(BaseModel):
    """Unit costs in `currency`. Every figure is required: a forgotten one must not read as 0."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    agent_cost_per_handled_hour: _Amount
    cost_per_bot_turn: _Amount
    cost_per_triage_call: _Amount
    cost_per_generative_draft: _Amount
    platform_cost_per_contact: _Amount


@dataclass(frozen=True, slots=True)
class LoadedCostModel:
    """A cost model with its version label `name@version+sha8` (sha8 of the file's text)."""

    model: CostModel
    version_label: str


def parse_cost_model(text: str, *, source: str) -> LoadedCostModel:
    model = load_model(text, CostModel, source=source)
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return LoadedCostModel(model, f"{model.name}@{model.version}+{digest}")


def read_cost_model(path: Path) -> LoadedCostModel:
    return parse_cost_model(path.read_text(encoding="utf-8"), source=str(path))


@cache
def default_cost_model() -> LoadedCostModel:
    resource = files("cxops.data").joinpath(DEFAULT_COST_MODEL)
    return parse_cost_model(
        resource.read_text(encoding="utf-8"), source=f"cxops:{DEFAULT_COST_MODEL}"
    )


def cost_per_interaction(sums: "FactSums", model: CostModel) -> float | None:
    """Return the average cost of a closed contact in `model.currency`; None without contacts.

    Agent time is `handle_seconds` (assignment to close), so wrap-up after close and time waiting
    in a queue are not in it. The cost is linear in the sums, so the cost of merged sums is the
    contact-weighted mean of the parts' costs.
    """
    if sums.contacts == 0:
        return None
    total = (
        model.agent_cost_per_handled_hour * sums.handle_seconds / 3600
        + model.cost_per_bot_turn * sums.bot_turns
        + model.cost_per_triage_call * sums.customer_turns
        + model.cost_per_generative_draft * sums.generative_drafts
        + model.platform_cost_per_contact * sums.contacts
    )
    return total / sums.contacts
