"""The demo retailer: a deterministic generator of realistic retail data and its loader.

`generate` builds the data in memory (pure, seeded); `load` writes it through a unit of work, so the
console, the simulator and the tests all start from the same concrete customers and orders.
"""

from cxops.demo.retail import RetailDataset, generate
from cxops.demo.seed import Progress, SeedReport, is_seeded, load

__all__ = ["Progress", "RetailDataset", "SeedReport", "generate", "is_seeded", "load"]
