"""A deterministic demo retailer: customers, products, promotions, a year of orders, queues, agents.

The retailer is a mid-size US online store. Every name, city, street and product here is written by
the project; no public dataset is copied. The same `seed` and `today` always give the same data, so
demos, tests and benchmarks can point at concrete records.

The data describes the world at 00:00 UTC on `today` (`RetailDataset.as_of`): every event
(placement, shipment, scan, delivery, return, refund, sign-up) happened before that moment; only
estimated delivery dates and promotion windows may lie after it. Orders are simulated rather than
labelled: each order gets a fate (delivered normally, cancelled, delayed, lost, returned, refunded
as a goodwill gesture) and a timeline, and its status is wherever `as_of` falls on that timeline,
so timestamps, shipments, returns and refunds always agree with the status.
"""

import bisect
import itertools
import random
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Generic, NamedTuple, TypeVar

from cxops.domain.catalog import Product, Promotion, PromotionKind
from cxops.domain.customers import Address, Consent, Customer, Segment
from cxops.domain.ids import (
    AgentId,
    CustomerId,
    OrderId,
    ProductId,
    PromotionId,
    RefundId,
    ReturnId,
    ShipmentId,
)
from cxops.domain.orders import (
    Order,
    OrderItem,
    OrderStatus,
    PaymentMethod,
    Refund,
    RefundStatus,
    Return,
    ReturnItem,
    ReturnStatus,
    Shipment,
    ShipmentStatus,
)
from cxops.domain.workforce import Agent, AgentStatus, Queue, Skill
from cxops.routing.policy import default_policy, queues_of

__all__ = [
    "FREE_SHIPPING_MIN_CENTS",
    "GIFT_CARDS",
    "SALES_TAX_PPM",
    "SHIPPING_FEE_CENTS",
    "RetailDataset",
    "generate",
]

FREE_SHIPPING_MIN_CENTS = 5000
"""Orders whose subtotal reaches $50 ship free; below that they pay `SHIPPING_FEE_CENTS`."""

SHIPPING_FEE_CENTS = 699

GIFT_CARDS = "gift cards"
"""The category that is never taxed, never discounted and never returnable."""

SALES_TAX_PPM: Mapping[str, int] = {
    "AK": 0, "AL": 40_000, "AR": 65_000, "AZ": 56_000, "CA": 72_500, "CO": 29_000,
    "CT": 63_500, "DC": 60_000, "DE": 0, "FL": 60_000, "GA": 40_000, "HI": 40_000,
    "IA": 60_000, "ID": 60_000, "IL": 62_500, "IN": 70_000, "KS": 65_000, "KY": 60_000,
    "LA": 44_500, "MA": 62_500, "MD": 60_000, "ME": 55_000, "MI": 60_000, "MN": 68_750,
    "MO": 42_250, "MS": 70_000, "MT": 0, "NC": 47_500, "ND": 50_000, "NE": 55_000,
    "NH": 0, "NJ": 66_250, "NM": 48_750, "NV": 68_500, "NY": 40_000, "OH": 57_500,
    "OK": 45_000, "OR": 0, "PA": 60_000, "RI": 70_000, "SC": 60_000, "SD": 42_000,
    "TN": 70_000, "TX": 62_500, "UT": 61_000, "VA": 53_000, "VT": 60_000, "WA": 65_000,
    "WI": 50_000, "WV": 60_000, "WY": 40_000,
}  # fmt: skip
"""Statewide sales tax in parts per million of the taxable amount (local add-ons left out)."""

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

_MAX_ORDER_AGE_DAYS = 365
_LOST_CASES_STAY_OPEN = 60 * DAY
_ETA_TIME = timedelta(hours=23, minutes=59)  # an ETA means "by the end of that day" (~8 pm ET)
_BACKORDER_HOLD = 7 * DAY  # recent orders for sold-out products wait, pending, for stock


@dataclass(frozen=True, slots=True)
class RetailDataset:
    """A whole demo retailer, as it stands at `as_of` (00:00 UTC on the `today` it was made for).

    Orders carry their items, shipments, returns and refunds; every reference (customer, product,
    queue skill) points at a record in the same dataset.
    """

    as_of: datetime
    customers: tuple[Customer, ...]
    products: tuple[Product, ...]
    promotions: tuple[Promotion, ...]
    orders: tuple[Order, ...]
    queues: tuple[Queue, ...]
    agents: tuple[Agent, ...]

    @property
    def row_count(self) -> int:
        """Records of every kind (an order counts once, with its items and events)."""
        return (
            len(self.customers)
            + len(self.products)
            + len(self.promotions)
            + len(self.orders)
            + len(self.queues)
            + len(self.agents)
        )


def generate(
    *,
    today: date,
    seed: int = 7,
    customers: int = 2000,
    products: int = 300,
    orders: int = 10000,
) -> RetailDataset:
    """Build the demo retailer as of 00:00 UTC on `today`; same arguments, same dataset.

    Raises `ValueError` when a size is out of range: at least one customer, at most one per
    fictional phone number (100 per area code); at least one product per category and no more
    than the name parts allow; no negative order count.
    """
    if not 1 <= customers <= _PHONE_CAPACITY:
        raise ValueError(f"customers must be between 1 and {_PHONE_CAPACITY}")
    if not len(_CATEGORIES) <= products <= _PRODUCT_CAPACITY:
        raise ValueError(f"products must be between {len(_CATEGORIES)} and {_PRODUCT_CAPACITY}")
    if orders < 0:
        raise ValueError("orders must not be negative")
    dice = _Dice(seed)
    as_of = datetime.combine(today, time(), tzinfo=UTC)
    people = _make_customers(dice, count=customers, as_of=as_of)
    catalogue = _make_products(dice, products)
    promotions = _make_promotions(as_of)
    history = _OrderHistory(
        dice, as_of=as_of, customers=people, products=catalogue, promotions=promotions
    ).make(orders)
    queues = tuple(queues_of(default_policy().policy))
    return RetailDataset(
        as_of=as_of,
        customers=tuple(_with_loyalty_points(people, history)),
        products=tuple(catalogue),
        promotions=promotions,
        orders=tuple(history),
        queues=queues,
        agents=tuple(_make_agents(dice, queues)),
    )


_T = TypeVar("_T")


class _Weighted(Generic[_T]):
    """Options with relative weights, accumulated once so that each draw is a binary search."""

    def __init__(self, pairs: Sequence[tuple[_T, float]]) -> None:
        self.options = tuple(option for option, _ in pairs)
        self.cumulative = tuple(itertools.accumulate(weight for _, weight in pairs))


class _Dice(random.Random):
    """The generator's only source of randomness: seeded, private, never the global one."""

    def pick(self, table: _Weighted[_T]) -> _T:
        return self.choices(table.options, cum_weights=table.cumulative)[0]

    def chance(self, probability: float) -> bool:
        return self.random() < probability

    def span(self, low: timedelta, high: timedelta) -> timedelta:
        """A whole number of seconds between `low` and `high`, both included."""
        return timedelta(seconds=self.randint(int(low.total_seconds()), int(high.total_seconds())))

    def digits(self, count: int) -> str:
        return "".join(self.choices("0123456789", k=count))


def _day_start(moment: datetime) -> datetime:
    return datetime.combine(moment.date(), time(), tzinfo=UTC)


def _ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits only: "María José" -> "mariajose"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


# --- people ------------------------------------------------------------------------------------


class _City(NamedTuple):
    name: str
    region: str
    zip_prefixes: tuple[str, ...]
    area_codes: tuple[str, ...]
    weight: int  # relative share of all customers
    spanish: int  # relative share of Spanish-speaking customers


_CITIES = (
    _City("New York", "NY", ("100", "101", "102"), ("212", "646", "917"), 30, 15),
    _City("Brooklyn", "NY", ("112",), ("718", "347"), 15, 8),
    _City("Buffalo", "NY", ("142",), ("716",), 2, 1),
    _City("Rochester", "NY", ("146",), ("585",), 1, 1),
    _City("Los Angeles", "CA", ("900", "901"), ("213", "323", "310"), 22, 25),
    _City("Long Beach", "CA", ("908",), ("562",), 3, 4),
    _City("Santa Ana", "CA", ("927",), ("714", "657"), 2, 8),
    _City("Riverside", "CA", ("925",), ("951",), 2, 6),
    _City("San Diego", "CA", ("921",), ("619", "858"), 8, 8),
    _City("San Jose", "CA", ("951",), ("408", "669"), 6, 5),
    _City("San Francisco", "CA", ("941",), ("415", "628"), 5, 3),
    _City("Oakland", "CA", ("946",), ("510", "341"), 3, 3),
    _City("Sacramento", "CA", ("958",), ("916", "279"), 3, 3),
    _City("Fresno", "CA", ("937",), ("559",), 3, 6),
    _City("Bakersfield", "CA", ("933",), ("661",), 2, 5),
    _City("Chicago", "IL", ("606",), ("312", "773", "872"), 16, 10),
    _City("Houston", "TX", ("770",), ("713", "281", "832"), 14, 20),
    _City("San Antonio", "TX", ("782",), ("210", "726"), 9, 20),
    _City("Dallas", "TX", ("752",), ("214", "469", "972"), 8, 10),
    _City("Fort Worth", "TX", ("761",), ("817", "682"), 5, 5),
    _City("Austin", "TX", ("787",), ("512", "737"), 6, 6),
    _City("El Paso", "TX", ("799",), ("915",), 4, 12),
    _City("McAllen", "TX", ("785",), ("956",), 1, 10),
    _City("Corpus Christi", "TX", ("784",), ("361",), 2, 6),
    _City("Phoenix", "AZ", ("850",), ("602", "623"), 10, 10),
    _City("Mesa", "AZ", ("852",), ("480",), 3, 3),
    _City("Tucson", "AZ", ("857",), ("520",), 3, 6),
    _City("Philadelphia", "PA", ("191",), ("215", "267"), 9, 3),
    _City("Pittsburgh", "PA", ("152",), ("412",), 2, 1),
    _City("Jacksonville", "FL", ("322",), ("904",), 5, 2),
    _City("Miami", "FL", ("331",), ("305", "786"), 3, 30),
    _City("Tampa", "FL", ("336",), ("813",), 3, 4),
    _City("Orlando", "FL", ("328",), ("407", "321"), 2, 6),
    _City("Columbus", "OH", ("432",), ("614", "380"), 5, 1),
    _City("Cleveland", "OH", ("441",), ("216",), 2, 1),
    _City("Cincinnati", "OH", ("452",), ("513",), 2, 1),
    _City("Charlotte", "NC", ("282",), ("704", "980"), 5, 2),
    _City("Raleigh", "NC", ("276",), ("919", "984"), 3, 2),
    _City("Indianapolis", "IN", ("462",), ("317", "463"), 5, 1),
    _City("Seattle", "WA", ("981",), ("206",), 5, 1),
    _City("Spokane", "WA", ("992",), ("509",), 2, 1),
    _City("Denver", "CO", ("802",), ("303", "720"), 5, 5),
    _City("Colorado Springs", "CO", ("809",), ("719",), 3, 2),
    _City("Washington", "DC", ("200",), ("202",), 4, 2),
    _City("Nashville", "TN", ("372",), ("615", "629"), 4, 1),
    _City("Memphis", "TN", ("381",), ("901",), 4, 1),
    _City("Knoxville", "TN", ("379",), ("865",), 1, 1),
    _City("Oklahoma City", "OK", ("731",), ("405",), 4, 2),
    _City("Tulsa", "OK", ("741",), ("918",), 2, 1),
    _City("Boston", "MA", ("021",), ("617", "857"), 4, 2),
    _City("Portland", "OR", ("972",), ("503", "971"), 4, 1),
    _City("Las Vegas", "NV", ("891",), ("702", "725"), 4, 6),
    _City("Reno", "NV", ("895",), ("775",), 2, 2),
    _City("Detroit", "MI", ("482",), ("313",), 4, 1),
    _City("Louisville", "KY", ("402",), ("502",), 4, 1),
    _City("Baltimore", "MD", ("212",), ("410", "443"), 4, 1),
    _City("Milwaukee", "WI", ("532",), ("414",), 3, 2),
    _City("Madison", "WI", ("537",), ("608",), 2, 1),
    _City("Albuquerque", "NM", ("871",), ("505",), 3, 6),
    _City("Kansas City", "MO", ("641",), ("816",), 3, 1),
    _City("St. Louis", "MO", ("631",), ("314",), 2, 1),
    _City("Atlanta", "GA", ("303",), ("404", "678", "470"), 4, 2),
    _City("Omaha", "NE", ("681",), ("402",), 3, 1),
    _City("Minneapolis", "MN", ("554",), ("612",), 3, 1),
    _City("New Orleans", "LA", ("701",), ("504",), 2, 1),
    _City("Salt Lake City", "UT", ("841",), ("801", "385"), 2, 2),
    _City("Boise", "ID", ("837",), ("208",), 2, 1),
    _City("Richmond", "VA", ("232",), ("804",), 2, 1),
    _City("Birmingham", "AL", ("352",), ("205",), 2, 1),
    _City("Des Moines", "IA", ("503",), ("515",), 2, 1),
    _City("Wichita", "KS", ("672",), ("316",), 2, 1),
    _City("Newark", "NJ", ("071",), ("973", "862"), 2, 5),
    _City("Jersey City", "NJ", ("073",), ("201", "551"), 2, 4),
    _City("Hartford", "CT", ("061",), ("860",), 1, 2),
    _City("Providence", "RI", ("029",), ("401",), 1, 2),
    _City("Wilmington", "DE", ("198",), ("302",), 1, 1),
    _City("Manchester", "NH", ("031",), ("603",), 1, 0),
    _City("Burlington", "VT", ("054",), ("802",), 1, 0),
    _City("Portland", "ME", ("041",), ("207",), 1, 0),
    _City("Little Rock", "AR", ("722",), ("501",), 1, 1),
    _City("Jackson", "MS", ("392",), ("601",), 1, 0),
    _City("Charleston", "SC", ("294",), ("843",), 1, 1),
    _City("Charleston", "WV", ("253",), ("304",), 1, 0),
    _City("Sioux Falls", "SD", ("571",), ("605",), 1, 0),
    _City("Fargo", "ND", ("581",), ("701",), 1, 0),
    _City("Billings", "MT", ("591",), ("406",), 1, 0),
    _City("Cheyenne", "WY", ("820",), ("307",), 1, 1),
    _City("Anchorage", "AK", ("995",), ("907",), 1, 0),
    _City("Honolulu", "HI", ("968",), ("808",), 2, 1),
)

_AREA_CODES = tuple(code for city in _CITIES for code in city.area_codes)
_PHONE_CAPACITY = 100 * len(_AREA_CODES)  # 555-0100 to 555-0199 are the fictional numbers

_FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony",
    "Sandra", "Mark", "Ashley", "Steven", "Kimberly", "Andrew", "Emily", "Joshua", "Donna",
    "Kevin", "Michelle", "Brian", "Amanda", "George", "Melissa", "Timothy", "Deborah", "Ryan",
    "Stephanie", "Jacob", "Rebecca", "Nicholas", "Laura", "Tyler", "Hannah", "Brandon", "Olivia",
    "Samuel", "Grace", "Nathan", "Chloe", "Ethan", "Madison", "Aaron", "Abigail", "Dylan",
    "Natalie", "Marcus", "Jasmine", "Darnell", "Aaliyah", "Wei", "Mei", "Arjun", "Priya", "Minh",
    "Linh", "Hiroshi", "Yuki", "Omar", "Layla", "Noah", "Ava", "Liam", "Zoe", "Owen", "Harper",
)  # fmt: skip

_LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill",
    "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips",
    "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook",
    "Rogers", "Morgan", "Peterson", "Cooper", "Reed", "Bailey", "Bell", "Kelly", "Howard", "Ward",
    "Cox", "Richardson", "Wood", "Watson", "Brooks", "Bennett", "Gray", "James", "Hughes",
    "Price", "Sanders", "Myers", "Long", "Ross", "Foster", "Powell", "Jenkins", "Perry", "Russell",
    "Sullivan", "O'Brien", "Fischer", "Novak", "Nguyen", "Chen", "Wang", "Patel", "Kim", "Park",
    "Tanaka", "Ali", "Khan", "Kowalski", "Larsen",
)  # fmt: skip

_HISPANIC_FIRST_NAMES = (
    "José", "María", "Juan", "Guadalupe", "Luis", "Carmen", "Carlos", "Ana", "Jorge", "Rosa",
    "Miguel", "Sofía", "Alejandro", "Isabella", "Jesús", "Valentina", "Francisco", "Camila",
    "Antonio", "Lucía", "Diego", "Gabriela", "Manuel", "Daniela", "Ricardo", "Mariana", "Andrés",
    "Fernanda", "Javier", "Paola", "Fernando", "Alejandra", "Roberto", "Verónica", "Eduardo",
    "Adriana", "Sergio", "Patricia", "Raúl", "Elena", "Héctor", "Natalia", "Mateo", "Ximena",
    "Santiago", "Renata",
)  # fmt: skip

_HISPANIC_LAST_NAMES = (
    "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
    "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz",
    "Ortiz", "Gutiérrez", "Chávez", "Ramos", "Ruiz", "Álvarez", "Mendoza", "Castillo", "Jiménez",
    "Vásquez", "Moreno", "Romero", "Herrera", "Medina", "Aguilar", "Vargas", "Castro", "Guzmán",
    "Fernández", "Salazar", "Soto", "Delgado", "Peña", "Rojas", "Navarro", "Cabrera", "Fuentes",
)  # fmt: skip

_STREETS = (
    "Oak", "Maple", "Cedar", "Pine", "Elm", "Walnut", "Willow", "Birch", "Chestnut", "Magnolia",
    "Washington", "Lincoln", "Jefferson", "Madison", "Franklin", "Jackson", "Adams", "Monroe",
    "Park", "Lake", "Hill", "River", "Meadow", "Sunset", "Highland", "Forest", "Spring",
    "Church", "Main", "Mill", "Center", "Prospect", "Ridge", "Valley", "Harbor", "Orchard",
    "Colonial", "Heritage", "Bayview", "Canyon", "Mesa Verde", "Rio Grande", "Palmetto",
)  # fmt: skip

_STREET_KINDS = ("St", "Ave", "Rd", "Dr", "Ln", "Blvd", "Ct", "Way", "Pl", "Ter")

_EMAIL_DOMAINS = _Weighted((("example.com", 60), ("example.org", 25), ("example.net", 15)))
_CITIES_BY_CUSTOMERS = _Weighted([(c, c.weight) for c in _CITIES])
_CITIES_BY_SPANISH_SPEAKERS = _Weighted([(c, c.spanish) for c in _CITIES])


class _PhoneBook:
    """Hands out unique fictional numbers +1 AAA 555-01xx, preferring the customer's area codes."""

    def __init__(self, dice: _Dice) -> None:
        self._dice = dice
        self._free: dict[str, list[int]] = {}
        self._open = list(_AREA_CODES)

    def take(self, preferred: Sequence[str]) -> str:
        local = [code for code in preferred if code in self._open]
        code = self._dice.choice(local) if local else self._dice.choice(self._open)
        free = self._free.get(code)
        if free is None:
            free = list(range(100, 200))
            self._dice.shuffle(free)
            self._free[code] = free
        line = free.pop()
        if not free:
            self._open.remove(code)
        return f"+1{code}555{line:04d}"


def _street_address(dice: _Dice) -> tuple[str, str]:
    number = dice.randint(1, 9899) if dice.chance(0.7) else dice.randint(10, 499)
    line1 = f"{number} {dice.choice(_STREETS)} {dice.choice(_STREET_KINDS)}"
    if not dice.chance(0.28):
        return line1, ""
    kind = dice.choice(("Apt", "Apt", "Unit", "#"))
    letter = dice.choice("ABCDEF") if dice.chance(0.3) else ""
    return line1, f"{kind} {dice.randint(1, 40)}{letter}".replace("# ", "#")


def _address(dice: _Dice, city: _City) -> Address:
    line1, line2 = _street_address(dice)
    return Address(
        line1=line1,
        line2=line2,
        city=city.name,
        region=city.region,
        postal_code=f"{dice.choice(city.zip_prefixes)}{dice.randint(1, 99):02d}",
        country="US",
    )


def _email(dice: _Dice, *, first: str, last: str, taken: set[str]) -> str:
    """A unique, lower-case address on a reserved example domain (RFC 2606)."""
    f, l_ = _ascii_slug(first), _ascii_slug(last)
    patterns = (f"{f}.{l_}", f"{f}{l_}", f"{f[0]}{l_}", f"{f}_{l_}", f"{l_}.{f}", f"{f}.{l_[0]}")
    local = dice.choice(patterns)
    domain = dice.pick(_EMAIL_DOMAINS)
    email = f"{local}@{domain}"
    while email in taken:
        email = f"{local}{dice.randint(1, 999)}@{domain}"
    taken.add(email)
    return email


def _make_customers(dice: _Dice, *, count: int, as_of: datetime) -> list[Customer]:
    """Customers ordered by sign-up; the first one signed up over a year ago, before any order."""
    ages = [dice.span(366 * DAY, 6 * 365 * DAY)]
    ages += [
        dice.span(1 * DAY, 365 * DAY) if dice.chance(0.3) else dice.span(366 * DAY, 6 * 365 * DAY)
        for _ in range(count - 1)
    ]
    phones = _PhoneBook(dice)
    emails: set[str] = set()
    number = 100_000
    people = []
    for age in sorted(ages, reverse=True):
        number += dice.randint(1, 3)
        spanish = dice.chance(0.15)
        city = dice.pick(_CITIES_BY_SPANISH_SPEAKERS if spanish else _CITIES_BY_CUSTOMERS)
        hispanic = dice.chance(0.85 if spanish else 0.1)
        first = dice.choice(_HISPANIC_FIRST_NAMES if hispanic else _FIRST_NAMES)
        last = dice.choice(_HISPANIC_LAST_NAMES if hispanic else _LAST_NAMES)
        email_consent = dice.chance(0.55)
        people.append(
            Customer(
                id=CustomerId(f"C{number:06d}"),
                first_name=first,
                last_name=last,
                email=_email(dice, first=first, last=last, taken=emails),
                phone=phones.take(city.area_codes if dice.chance(0.85) else ()),
                segment=Segment.VIP if dice.chance(0.08) else Segment.STANDARD,
                preferred_language="es" if spanish else "en",
                consent=Consent(
                    marketing_email=email_consent,
                    marketing_sms=dice.chance(0.4 if email_consent else 0.1),
                    analytics=dice.chance(0.85),
                ),
                address=_address(dice, city),
                created_at=as_of - age,
            )
        )
    return people


def _with_loyalty_points(people: Sequence[Customer], orders: Sequence[Order]) -> list[Customer]:
    """One point per dollar kept on delivered orders, double for VIPs."""
    kept = {
        OrderStatus.DELIVERED,
        OrderStatus.RETURNED,
        OrderStatus.REFUNDED,
    }
    dollars: dict[str, int] = {}
    for order in orders:
        if order.status in kept:
            paid = order.total_cents - order.refunded_cents
            dollars[order.customer_id] = dollars.get(order.customer_id, 0) + paid // 100
    return [
        replace(c, loyalty_points=dollars.get(c.id, 0) * (2 if c.segment == Segment.VIP else 1))
        for c in people
    ]


# --- catalogue ---------------------------------------------------------------------------------


class _ItemType(NamedTuple):
    name: str
    low: int  # dollars
    high: int
    warranty_months: int
    return_window_days: int


class _Category(NamedTuple):
    name: str
    share: int
    brands: tuple[str, ...]
    variants: tuple[str, ...]
    items: tuple[_ItemType, ...]


_CATEGORIES = (
    _Category(
        "electronics",
        50,
        ("Voltrix", "Lumora", "Northwave", "Kestrel", "Pixelon", "Arcadia Audio"),
        ("Black", "White", "Graphite", "Midnight Blue", "Silver"),
        (
            _ItemType("Wireless Earbuds", 39, 199, 12, 30),
            _ItemType("Noise-Cancelling Headphones", 99, 349, 24, 30),
            _ItemType("Bluetooth Speaker", 29, 149, 12, 30),
            _ItemType("4K Streaming Stick", 29, 59, 12, 30),
            _ItemType("55-inch 4K Smart TV", 349, 799, 24, 30),
            _ItemType("65-inch QLED TV", 699, 1499, 24, 30),
            _ItemType("Smartwatch", 149, 399, 12, 30),
            _ItemType("10-inch Tablet", 179, 499, 12, 30),
            _ItemType("14-inch Laptop", 549, 1299, 24, 30),
            _ItemType("Wi-Fi 6 Mesh Router", 129, 299, 24, 30),
            _ItemType("20,000 mAh Power Bank", 29, 69, 12, 30),
            _ItemType("1080p Webcam", 39, 99, 12, 30),
            _ItemType("Mechanical Keyboard", 59, 169, 12, 30),
            _ItemType("Wireless Mouse", 19, 79, 12, 30),
            _ItemType("USB-C Docking Hub", 39, 129, 12, 30),
            _ItemType("Action Camera", 199, 399, 12, 30),
            _ItemType("E-Reader", 99, 249, 12, 30),
        ),
    ),
    _Category(
        "appliances",
        25,
        ("Hearthmore", "Kelvara", "Brightwell", "Alder & Finch"),
        ("Stainless Steel", "White", "Black Stainless"),
        (
            _ItemType("Front-Load Washer", 649, 1199, 24, 30),
            _ItemType("Electric Dryer", 599, 1099, 24, 30),
            _ItemType("French-Door Refrigerator", 1499, 2899, 24, 30),
            _ItemType("Dishwasher", 499, 999, 24, 30),
            _ItemType("Over-the-Range Microwave", 279, 549, 24, 30),
            _ItemType("Countertop Microwave", 89, 199, 24, 30),
            _ItemType("Robot Vacuum", 199, 599, 24, 30),
            _ItemType("Cordless Stick Vacuum", 149, 449, 24, 30),
            _ItemType("Air Purifier", 99, 349, 24, 30),
            _ItemType("Dehumidifier", 179, 299, 24, 30),
            _ItemType("Window Air Conditioner", 229, 499, 24, 30),
            _ItemType("Chest Freezer", 249, 499, 24, 30),
        ),
    ),
    _Category(
        "home & kitchen",
        45,
        ("Copper Hollow", "Saltbox", "Marrow & Vine", "Kindred Kitchen"),
        ("Charcoal", "Sage", "Cream", "Slate", "Terracotta"),
        (
            _ItemType("10-Piece Cookware Set", 129, 349, 12, 30),
            _ItemType("Cast Iron Skillet", 29, 59, 0, 30),
            _ItemType("Chef's Knife", 39, 129, 0, 30),
            _ItemType("Drip Coffee Maker", 39, 149, 12, 30),
            _ItemType("Espresso Machine", 199, 699, 12, 30),
            _ItemType("High-Speed Blender", 79, 399, 12, 30),
            _ItemType("Air Fryer", 69, 199, 12, 30),
            _ItemType("Stand Mixer", 249, 449, 12, 30),
            _ItemType("Bath Towel Set", 29, 79, 0, 30),
            _ItemType("Queen Sheet Set", 49, 149, 0, 30),
            _ItemType("Down-Alternative Comforter", 69, 179, 0, 30),
            _ItemType("Memory Foam Pillow", 29, 79, 0, 30),
            _ItemType("Glass Food Storage Set", 24, 59, 0, 30),
            _ItemType("Stoneware Dinnerware Set", 59, 149, 0, 30),
            _ItemType("Electric Kettle", 29, 89, 12, 30),
            _ItemType("Toaster Oven", 79, 229, 12, 30),
        ),
    ),
    _Category(
        "furniture",
        20,
        ("Oakridge", "Lindqvist", "Hollis & Reed", "Birchline"),
        ("Walnut", "Natural Oak", "Espresso", "Gray Linen", "Navy Velvet"),
        (
            _ItemType("Three-Seat Sofa", 699, 1599, 12, 30),
            _ItemType("Sectional Sofa", 1199, 2499, 12, 30),
            _ItemType("Accent Armchair", 249, 599, 12, 30),
            _ItemType("Queen Platform Bed", 399, 999, 12, 30),
            _ItemType("Six-Drawer Dresser", 349, 799, 12, 30),
            _ItemType("Nightstand", 99, 249, 12, 30),
            _ItemType("Dining Table", 399, 1199, 12, 30),
            _ItemType("Dining Chairs, Set of 2", 149, 349, 12, 30),
            _ItemType("Standing Desk", 299, 699, 12, 30),
            _ItemType("Ergonomic Office Chair", 199, 599, 12, 30),
            _ItemType("Bookshelf", 99, 299, 12, 30),
            _ItemType("Coffee Table", 149, 449, 12, 30),
            _ItemType("TV Stand", 149, 399, 12, 30),
        ),
    ),
    _Category(
        "apparel",
        55,
        ("Northbound", "Fieldhouse", "Marigold & Moss", "Coastline Supply"),
        tuple(
            f"{color} / {size}"
            for color in ("Navy", "Heather Gray", "Black", "Olive", "Burgundy", "White")
            for size in ("XS", "S", "M", "L", "XL")
        ),
        (
            _ItemType("Crewneck T-Shirt", 14, 29, 0, 60),
            _ItemType("Oxford Shirt", 39, 69, 0, 60),
            _ItemType("Slim-Fit Chinos", 44, 79, 0, 60),
            _ItemType("Stretch Jeans", 49, 98, 0, 60),
            _ItemType("Puffer Jacket", 89, 229, 0, 60),
            _ItemType("Rain Shell", 69, 159, 0, 60),
            _ItemType("Merino Sweater", 59, 129, 0, 60),
            _ItemType("Hooded Sweatshirt", 39, 79, 0, 60),
            _ItemType("Wrap Dress", 59, 129, 0, 60),
            _ItemType("High-Rise Leggings", 29, 79, 0, 60),
            _ItemType("Flannel Shirt", 34, 69, 0, 60),
            _ItemType("Wool Peacoat", 149, 299, 0, 60),
            _ItemType("Athletic Shorts", 24, 45, 0, 60),
        ),
    ),
    _Category(
        "footwear",
        25,
        ("Stride & Co", "Trailmark", "Pavement", "Cobble Lane"),
        tuple(
            f"{color} / US {size}"
            for color in ("Black", "White", "Tan", "Gray")
            for size in ("6", "7", "8", "9", "10", "11", "12")
        ),
        (
            _ItemType("Running Shoes", 79, 159, 0, 60),
            _ItemType("Trail Runners", 99, 169, 0, 60),
            _ItemType("Leather Chelsea Boots", 129, 249, 0, 60),
            _ItemType("Canvas Sneakers", 49, 79, 0, 60),
            _ItemType("Waterproof Hiking Boots", 129, 219, 0, 60),
            _ItemType("Slip-On Loafers", 79, 149, 0, 60),
            _ItemType("Sport Sandals", 29, 79, 0, 60),
            _ItemType("Insulated Winter Boots", 99, 199, 0, 60),
        ),
    ),
    _Category(
        "beauty",
        30,
        ("Lumen Skin", "Petal & Pine", "Verdant Botanics", "Glow Theory"),
        ("",),
        (
            _ItemType("Hydrating Face Serum", 24, 68, 0, 30),
            _ItemType("Daily Moisturizer SPF 30", 19, 45, 0, 30),
            _ItemType("Vitamin C Serum", 29, 72, 0, 30),
            _ItemType("Shampoo and Conditioner Set", 19, 44, 0, 30),
            _ItemType("Ionic Hair Dryer", 59, 249, 12, 30),
            _ItemType("Eau de Parfum 50 ml", 59, 129, 0, 0),
            _ItemType("Matte Lipstick", 14, 32, 0, 0),
            _ItemType("Volumizing Mascara", 12, 28, 0, 0),
            _ItemType("Eyeshadow Palette", 24, 58, 0, 0),
            _ItemType("Electric Toothbrush", 49, 199, 24, 0),
            _ItemType("Electric Shaver", 69, 229, 24, 0),
        ),
    ),
    _Category(
        "toys",
        20,
        ("Tinker Town", "Bright Bramble", "Little Otter", "Gizmo Grove"),
        ("",),
        (
            _ItemType("Wooden Train Set", 39, 99, 0, 30),
            _ItemType("Building Bricks Kit, 500 Pieces", 29, 79, 0, 30),
            _ItemType("Plush Bear", 14, 34, 0, 30),
            _ItemType("Remote Control Car", 39, 119, 6, 30),
            _ItemType("STEM Robot Kit", 59, 149, 6, 30),
            _ItemType("Board Game: Harbor Traders", 24, 44, 0, 30),
            _ItemType("1000-Piece Jigsaw Puzzle", 16, 29, 0, 30),
            _ItemType("Wooden Dollhouse", 79, 199, 0, 30),
            _ItemType("Double-Sided Art Easel", 49, 99, 0, 30),
            _ItemType("Kick Scooter", 49, 129, 6, 30),
        ),
    ),
    _Category(
        "sports & outdoors",
        25,
        ("Summit Ridge", "Alpenglow", "Kettle & Oar", "Fairway North"),
        ("",),
        (
            _ItemType("Two-Person Tent", 129, 299, 12, 30),
            _ItemType("20F Sleeping Bag", 79, 189, 12, 30),
            _ItemType("Insulated Water Bottle, 32 oz", 24, 44, 0, 30),
            _ItemType("Yoga Mat", 29, 89, 0, 30),
            _ItemType("Adjustable Dumbbells, Pair", 199, 399, 24, 30),
            _ItemType("Road Bike Helmet", 49, 149, 0, 30),
            _ItemType("24L Hiking Daypack", 59, 139, 12, 30),
            _ItemType("Backpacking Stove", 39, 99, 12, 30),
            _ItemType("Kayak Paddle", 79, 179, 12, 30),
            _ItemType("Golf Rangefinder", 149, 299, 12, 30),
            _ItemType("Resistance Band Set", 19, 39, 0, 30),
            _ItemType("Trekking Poles", 49, 129, 12, 30),
        ),
    ),
    _Category(
        "books",
        20,
        ("",),
        ("Paperback", "Hardcover"),
        tuple(
            _ItemType(title, 12, 35, 0, 30)
            for title in (
                "The Lantern Keeper's Daughter",
                "Salt and Cedar",
                "A Field Guide to Quiet Mornings",
                "The Orchard at Marrow Bend",
                "Ninety Days of Weeknight Dinners",
                "The Last Ferry to Calloway",
                "Small Engines, Big Ideas",
                "The Cartographer's Apprentice",
                "Houseplants for the Forgetful",
                "When the River Freezes",
                "The Budget-Minded Traveler",
                "Letters from the Lighthouse",
                "Code for Curious Kids",
                "The Midnight Bakery on Fifth",
                "Running Your First Marathon",
                "A History of Ordinary Things",
                "The Glass Greenhouse",
                "Stars over Juniper Flats",
                "Mindful Money",
                "The Patient Gardener",
            )
        ),
    ),
    _Category(
        GIFT_CARDS,
        5,
        ("",),
        ("",),
        tuple(
            _ItemType(f"Gift Card, ${value}", value, value, 0, 0)
            for value in (25, 50, 75, 100, 150, 200, 250, 500)
        ),
    ),
)


def _capacity(category: _Category) -> int:
    return len(category.brands) * len(category.items) * len(category.variants)


_PRODUCT_CAPACITY = sum(_capacity(c) for c in _CATEGORIES)


def _allocate(count: int) -> list[int]:
    """Split `count` products over the categories by share: at least one each, within capacity."""
    total_share = sum(c.share for c in _CATEGORIES)
    spare = count - len(_CATEGORIES)
    exact = [spare * c.share / total_share for c in _CATEGORIES]
    counts = [1 + int(e) for e in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: int(exact[i]) - exact[i])
    for i in by_remainder[: count - sum(counts)]:
        counts[i] += 1
    overflow = 0
    for i, category in enumerate(_CATEGORIES):
        overflow += max(0, counts[i] - _capacity(category))
        counts[i] = min(counts[i], _capacity(category))
    for i, category in enumerate(_CATEGORIES):
        moved = min(overflow, _capacity(category) - counts[i])
        counts[i] += moved
        overflow -= moved
    return counts


def _price_cents(dice: _Dice, item: _ItemType) -> int:
    """A shelf price: $39.99 under $200, $649.99 (a round ten, less a cent) above."""
    if item.low == item.high:
        return item.low * 100
    dollars = dice.randint(item.low, item.high)
    if dollars < 200:
        return dollars * 100 + 99
    return round(dollars / 10) * 1000 - 1


def _make_products(dice: _Dice, count: int) -> list[Product]:
    """SKUs numbered in one block of 8000 per category; about 4% out of stock."""
    products = []
    for index, (category, wanted) in enumerate(zip(_CATEGORIES, _allocate(count), strict=True)):
        combos = [
            (brand, item, variant)
            for item in category.items
            for brand in category.brands
            for variant in category.variants
        ]
        for n, (brand, item, variant) in enumerate(dice.sample(combos, wanted)):
            name = " ".join(part for part in (brand, item.name) if part)
            products.append(
                Product(
                    id=ProductId(f"SKU-{10_001 + 8_000 * index + n:05d}"),
                    name=f"{name}, {variant}" if variant else name,
                    category=category.name,
                    price_cents=_price_cents(dice, item),
                    warranty_months=item.warranty_months,
                    return_window_days=item.return_window_days,
                )
            )
    sold_out = set(dice.sample(range(len(products)), max(1, round(len(products) * 0.04))))
    return [replace(p, in_stock=False) if i in sold_out else p for i, p in enumerate(products)]


# --- promotions --------------------------------------------------------------------------------


class _PromotionSpec(NamedTuple):
    code: str
    description: str
    kind: PromotionKind
    value: int
    min_spend_cents: int
    starts: int  # days relative to `as_of`
    ends: int
    segment: Segment | None = None
    category: str | None = None
    first_order_only: bool = False


_PROMOTIONS = (
    _PromotionSpec(
        "WELCOME10",
        "10% off your first order",
        PromotionKind.PERCENT_OFF,
        10,
        0,
        -800,
        365,
        first_order_only=True,
    ),
    _PromotionSpec(
        "FREESHIP35",
        "Free standard shipping on orders of $35 or more",
        PromotionKind.FREE_SHIPPING,
        0,
        3500,
        -120,
        60,
    ),
    _PromotionSpec(
        "VIPSAVE20",
        "VIP members: 20% off orders of $100 or more",
        PromotionKind.PERCENT_OFF,
        20,
        10000,
        -200,
        165,
        segment=Segment.VIP,
    ),
    _PromotionSpec(
        "VIPSHIP",
        "VIP members: free standard shipping on every order",
        PromotionKind.FREE_SHIPPING,
        0,
        0,
        -400,
        330,
        segment=Segment.VIP,
    ),
    _PromotionSpec(
        "TAKE15",
        "$15 off orders of $75 or more",
        PromotionKind.AMOUNT_OFF,
        1500,
        7500,
        -30,
        14,
    ),
    _PromotionSpec(
        "KITCHEN20",
        "20% off home & kitchen",
        PromotionKind.PERCENT_OFF,
        20,
        0,
        -10,
        20,
        category="home & kitchen",
    ),
    _PromotionSpec(
        "KICKS15",
        "15% off footwear",
        PromotionKind.PERCENT_OFF,
        15,
        5000,
        -45,
        15,
        category="footwear",
    ),
    _PromotionSpec(
        "READMORE5",
        "$5 off books when you spend $25 on books",
        PromotionKind.AMOUNT_OFF,
        500,
        2500,
        -90,
        90,
        category="books",
    ),
    _PromotionSpec(
        "TECH50",
        "$50 off electronics of $400 or more",
        PromotionKind.AMOUNT_OFF,
        5000,
        40000,
        -95,
        -60,
        category="electronics",
    ),
    _PromotionSpec(
        "STYLE30",
        "30% off apparel, end-of-season sale",
        PromotionKind.PERCENT_OFF,
        30,
        0,
        -160,
        -130,
        category="apparel",
    ),
    _PromotionSpec(
        "FLASH25",
        "Two-day flash sale: 25% off orders of $50 or more",
        PromotionKind.PERCENT_OFF,
        25,
        5000,
        -210,
        -208,
    ),
    _PromotionSpec(
        "OUTDOOR10",
        "10% off sports & outdoors",
        PromotionKind.PERCENT_OFF,
        10,
        0,
        -300,
        -240,
        category="sports & outdoors",
    ),
    _PromotionSpec(
        "GEARUP20",
        "20% off sports & outdoors, coming soon",
        PromotionKind.PERCENT_OFF,
        20,
        7500,
        7,
        21,
        category="sports & outdoors",
    ),
)


def _make_promotions(as_of: datetime) -> tuple[Promotion, ...]:
    """Codes placed relative to `as_of`: some running, some over, one not started yet."""
    return tuple(
        Promotion(
            id=PromotionId(f"PRM-{n:04d}"),
            code=spec.code,
            description=spec.description,
            kind=spec.kind,
            value=spec.value,
            min_spend_cents=spec.min_spend_cents,
            starts_at=as_of + spec.starts * DAY,
            ends_at=as_of + spec.ends * DAY,
            segment=spec.segment,
            category=spec.category,
            first_order_only=spec.first_order_only,
        )
        for n, spec in enumerate(_PROMOTIONS, start=1)
    )


# --- orders ------------------------------------------------------------------------------------


class _Carrier(NamedTuple):
    name: str
    fastest_days: int
    slowest_days: int
    hubs: tuple[str, ...]


_CARRIERS = _Weighted(
    [
        (
            _Carrier("UPS", 2, 5, ("Louisville, KY", "Hodgkins, IL", "Dallas, TX", "Ontario, CA")),
            35,
        ),
        (
            _Carrier(
                "USPS", 2, 6, ("Chicago, IL", "Denver, CO", "Jacksonville, FL", "Seattle, WA")
            ),
            30,
        ),
        (_Carrier("FedEx", 2, 5, ("Memphis, TN", "Indianapolis, IN", "Fort Worth, TX")), 25),
        (_Carrier("DHL", 2, 4, ("Erlanger, KY", "Los Angeles, CA", "Edison, NJ")), 10),
    ]
)

_UPS_SHIPPER = "7Y41X9"  # the demo retailer's (fictional) UPS account

_IN_TRANSIT_EVENTS = (
    "Departed {carrier} facility in {hub}",
    "Arrived at {carrier} facility in {hub}",
    "In transit to the destination; last scanned in {hub}",
)

_DELIVERY_SPOTS = (
    "front door",
    "front porch",
    "mailroom",
    "parcel locker",
    "handed to resident",
    "side door",
    "leasing office",
)

_DELAY_REASONS = (
    "Severe weather in the region is delaying deliveries",
    "Package missed its connection at the {hub} hub",
    "Carrier network volume is higher than usual",
    "Address information is incomplete; the carrier is confirming it",
    "Shipping label damaged; the package is being relabeled",
    "Delivery vehicle breakdown on the route",
)

_RETURN_REASONS: Mapping[str, tuple[str, ...]] = {
    "apparel": ("Too small", "Too large", "Not as pictured", "Fabric quality", "Changed my mind"),
    "footwear": ("Too small", "Too large", "Uncomfortable", "Not as pictured"),
    "electronics": ("Defective: will not power on", "No longer needed", "Better price elsewhere"),
    "appliances": ("Arrived damaged", "Defective", "Does not fit the space"),
    "furniture": ("Arrived damaged", "Color not as pictured", "Does not fit the space"),
}
_DEFAULT_RETURN_REASONS = ("Arrived damaged", "Changed my mind", "Ordered by mistake")

_GOODWILL_REASONS = (
    "Item arrived damaged; partial refund, customer keeps the item",
    "Price dropped within 14 days of purchase; price adjustment",
    "Missing accessory; partial refund",
    "Late delivery; goodwill credit",
)

_PAYMENT_METHODS = _Weighted(
    [
        (PaymentMethod.CARD, 66),
        (PaymentMethod.PAYPAL, 22),
        (PaymentMethod.GIFT_CARD, 6),
        (PaymentMethod.BANK_TRANSFER, 6),
    ]
)
_BASKET_SIZES = _Weighted([(1, 55), (2, 27), (3, 12), (4, 6)])
_QUANTITIES = _Weighted([(1, 75), (2, 18), (3, 7)])

# Orders per hour of the day, UTC: the peak is the US evening.
_HOUR_WEIGHTS = (9, 8, 7, 6, 4, 3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 9)


class _Fate(Enum):
    """What will happen to an order; its status is how far along that path it is at `as_of`."""

    NORMAL = "normal"
    CANCELLED = "cancelled"
    DELAYED = "delayed"
    LOST = "lost"
    RETURNED = "returned"
    GOODWILL = "goodwill"


def _fates(returned: float) -> _Weighted[_Fate]:
    return _Weighted(
        [
            (_Fate.NORMAL, 75),
            (_Fate.CANCELLED, 4.5),
            (_Fate.DELAYED, 11),
            (_Fate.LOST, 2.5),
            (_Fate.RETURNED, returned),
            (_Fate.GOODWILL, 2),
        ]
    )


_FATES = _fates(returned=6)
_FASHION_FATES = _fates(returned=15)


class _Amounts(NamedTuple):
    subtotal: int
    shipping: int
    discount: int
    tax: int
    goods_paid: int  # what the customer paid for the merchandise itself, tax included


class _Outcome(NamedTuple):
    status: OrderStatus
    updated_at: datetime
    delivered_at: datetime | None = None
    shipments: tuple[Shipment, ...] = ()
    returns: tuple[Return, ...] = ()
    refunds: tuple[Refund, ...] = ()


class _Trip(NamedTuple):
    """A parcel's journey: when it left, when it was promised, when it arrives."""

    order_id: OrderId
    shipment_id: ShipmentId
    carrier: _Carrier
    tracking_number: str
    shipped_at: datetime
    eta: datetime
    delivered_at: datetime


def _tax_cents(taxable_cents: int, region: str) -> int:
    """Statewide sales tax, rounded half up to the cent."""
    return (taxable_cents * SALES_TAX_PPM[region] + 500_000) // 1_000_000


def _eligible_cents(items: Sequence[OrderItem], promotion: Promotion) -> int:
    """The part of the basket a promotion's condition and discount apply to (never gift cards)."""
    return sum(
        i.line_total_cents
        for i in items
        if i.category != GIFT_CARDS and promotion.category in (None, i.category)
    )


class _OrderHistory:
    """A year of orders, simulated in placement order so numbering and first orders are right."""

    def __init__(
        self,
        dice: _Dice,
        *,
        as_of: datetime,
        customers: Sequence[Customer],
        products: Sequence[Product],
        promotions: Sequence[Promotion],
    ) -> None:
        self._dice = dice
        self._as_of = as_of
        self._customers = customers
        self._signed_up = [c.created_at for c in customers]
        self._customer_weights = list(
            itertools.accumulate(
                dice.choice((0.3, 0.6, 1.0, 1.0, 1.5, 2.5)) * (4 if c.segment == Segment.VIP else 1)
                for c in customers
            )
        )
        self._products = products
        self._sold_out = {p.id for p in products if not p.in_stock}
        ranks = list(range(1, len(products) + 1))
        dice.shuffle(ranks)
        self._product_weights = list(itertools.accumulate(1 / r**0.8 for r in ranks))
        self._promotions = promotions
        self._ordered_before: set[str] = set()
        self._tracking_numbers: set[str] = set()
        self._shipments = itertools.count(10_000_001)
        self._returns = itertools.count(500_001)
        self._refunds = itertools.count(20_000_001)

    def make(self, count: int) -> list[Order]:
        orders = []
        number = 2_000_000
        for placed_at in self._placement_times(count):
            number += self._dice.randint(1, 3)
            orders.append(self._order(OrderId(f"W{number:07d}"), placed_at))
        return orders

    def _placement_times(self, count: int) -> list[datetime]:
        """Sorted times over the last year: growing volume, a holiday peak, US-evening hours."""
        day_weights = []
        for days_ago in range(_MAX_ORDER_AGE_DAYS):
            day = self._as_of.date() - timedelta(days=days_ago + 1)
            weight = 1.0 + (_MAX_ORDER_AGE_DAYS - days_ago) / _MAX_ORDER_AGE_DAYS
            if (day.month, day.day) >= (11, 20) and (day.month, day.day) <= (12, 22):
                weight *= 1.8
            day_weights.append(weight)
        days = self._dice.choices(range(_MAX_ORDER_AGE_DAYS), weights=day_weights, k=count)
        hours = self._dice.choices(range(24), weights=_HOUR_WEIGHTS, k=count)
        return sorted(
            self._as_of
            - (days_ago + 1) * DAY
            + hour * HOUR
            + timedelta(seconds=self._dice.randrange(3600))
            for days_ago, hour in zip(days, hours, strict=True)
        )

    def _order(self, order_id: OrderId, placed_at: datetime) -> Order:
        dice = self._dice
        customer = self._pick_customer(placed_at)
        first_order = customer.id not in self._ordered_before
        self._ordered_before.add(customer.id)
        items = self._pick_items(placed_at)
        address = customer.address
        if dice.chance(0.07):  # a gift, or sent to the office
            address = _address(dice, dice.pick(_CITIES_BY_CUSTOMERS))
        promotion = self._pick_promotion(
            customer=customer, items=items, at=placed_at, first_order=first_order
        )
        amounts = self._amounts(items, promotion=promotion, region=address.region)
        payment = dice.pick(_PAYMENT_METHODS)
        outcome = self._outcome(
            order_id, placed_at=placed_at, items=items, amounts=amounts, payment=payment
        )
        return Order(
            id=order_id,
            customer_id=customer.id,
            status=outcome.status,
            placed_at=placed_at,
            updated_at=outcome.updated_at,
            currency="USD",
            subtotal_cents=amounts.subtotal,
            shipping_cents=amounts.shipping,
            discount_cents=amounts.discount,
            tax_cents=amounts.tax,
            payment_method=payment,
            shipping_address=address,
            items=items,
            promotion_code=None if promotion is None else promotion.code,
            delivered_at=outcome.delivered_at,
            shipments=outcome.shipments,
            returns=outcome.returns,
            refunds=outcome.refunds,
        )

    def _pick_customer(self, at: datetime) -> Customer:
        """A customer who had already signed up; VIPs and regulars order more often."""
        known = bisect.bisect_left(self._signed_up, at)
        target = self._dice.random() * self._customer_weights[known - 1]
        return self._customers[bisect.bisect_right(self._customer_weights, target, 0, known)]

    def _pick_items(self, placed_at: datetime) -> tuple[OrderItem, ...]:
        """One to four different products, popular ones more often; older prices drift."""
        dice = self._dice
        wanted = dice.pick(_BASKET_SIZES)
        chosen: list[Product] = []
        while len(chosen) < wanted:
            product = dice.choices(self._products, cum_weights=self._product_weights)[0]
            if product not in chosen:
                chosen.append(product)
        old = self._as_of - placed_at > 90 * DAY
        items = []
        for product in chosen:
            price = product.price_cents
            if old and product.category != GIFT_CARDS and dice.chance(0.15):
                price = max(99, round(price * dice.uniform(0.85, 1.1) / 100) * 100 - 1)
            if product.category == GIFT_CARDS or price >= 10_000:
                quantity = 1 if dice.chance(0.9) else 2
            else:
                quantity = dice.pick(_QUANTITIES)
            items.append(
                OrderItem(
                    product_id=product.id,
                    product_name=product.name,
                    category=product.category,
                    quantity=quantity,
                    unit_price_cents=price,
                    warranty_months=product.warranty_months,
                    return_window_days=product.return_window_days,
                )
            )
        return tuple(items)

    def _pick_promotion(
        self,
        *,
        customer: Customer,
        items: Sequence[OrderItem],
        at: datetime,
        first_order: bool,
    ) -> Promotion | None:
        """A code valid at placement for this customer and basket, if the customer used one."""
        if not self._dice.chance(0.45 if first_order else 0.15):
            return None
        subtotal = sum(i.line_total_cents for i in items)
        usable = [
            p
            for p in self._promotions
            if p.open_to(customer.segment, has_ordered=not first_order, at=at)
            and _eligible_cents(items, p) >= max(1, p.min_spend_cents)
            and (p.kind != PromotionKind.FREE_SHIPPING or subtotal < FREE_SHIPPING_MIN_CENTS)
        ]
        return self._dice.choice(usable) if usable else None

    @staticmethod
    def _amounts(
        items: Sequence[OrderItem], *, promotion: Promotion | None, region: str
    ) -> _Amounts:
        """Subtotal, shipping, discount and tax; gift cards are neither taxed nor discounted."""
        subtotal = sum(i.line_total_cents for i in items)
        taxable = sum(i.line_total_cents for i in items if i.category != GIFT_CARDS)
        shipping = 0 if subtotal >= FREE_SHIPPING_MIN_CENTS else SHIPPING_FEE_CENTS
        off_goods = 0
        discount = 0
        if promotion is not None:
            eligible = _eligible_cents(items, promotion)
            if promotion.kind == PromotionKind.FREE_SHIPPING:
                discount = shipping
            elif promotion.kind == PromotionKind.PERCENT_OFF:
                off_goods = discount = (eligible * promotion.value + 50) // 100
            else:
                off_goods = discount = min(promotion.value, eligible)
        tax = _tax_cents(taxable - off_goods, region)
        return _Amounts(subtotal, shipping, discount, tax, subtotal - off_goods + tax)

    def _fate(self, items: Sequence[OrderItem]) -> _Fate:
        """Clothes and shoes come back more than twice as often as anything else."""
        fashion = any(i.category in ("apparel", "footwear") for i in items)
        return self._dice.pick(_FASHION_FATES if fashion else _FATES)

    def _outcome(
        self,
        order_id: OrderId,
        *,
        placed_at: datetime,
        items: tuple[OrderItem, ...],
        amounts: _Amounts,
        payment: PaymentMethod,
    ) -> _Outcome:
        """Walk the order's timeline up to `as_of` and report where it stands."""
        dice, as_of = self._dice, self._as_of
        fate = self._fate(items)
        if payment == PaymentMethod.BANK_TRANSFER:
            paid_at = placed_at + dice.span(20 * HOUR, 60 * HOUR)
        elif dice.chance(0.3):  # held for fraud review
            paid_at = placed_at + dice.span(2 * HOUR, 14 * HOUR)
        else:
            paid_at = placed_at + dice.span(2 * MINUTE, 30 * MINUTE)
        ship_at = paid_at + dice.span(5 * HOUR, 40 * HOUR)
        if fate == _Fate.CANCELLED:
            cancelled_at = placed_at + dice.span(3 * MINUTE, ship_at - placed_at - 30 * MINUTE)
            if cancelled_at <= as_of:
                return _Outcome(OrderStatus.CANCELLED, cancelled_at)
        backordered = as_of - placed_at <= _BACKORDER_HOLD and any(
            i.product_id in self._sold_out for i in items
        )
        if as_of < paid_at or backordered:
            return _Outcome(OrderStatus.PENDING, placed_at)
        if as_of < ship_at:
            return _Outcome(OrderStatus.PROCESSING, paid_at)
        trip = self._trip(order_id, ship_at)
        if fate == _Fate.LOST and as_of - placed_at <= _LOST_CASES_STAY_OPEN:
            lost = self._lost(trip)
            if lost is not None:
                return lost
        if fate == _Fate.DELAYED:
            delay_at = ship_at + dice.span(6 * HOUR, trip.eta - ship_at - 12 * HOUR)
            if delay_at <= as_of:
                late = self._rescheduled(trip)
                if as_of < late.delivered_at:
                    return self._delayed(late, original_eta=trip.eta, at=delay_at)
                trip = late
        if as_of < trip.delivered_at:
            return self._in_transit(trip)
        delivered = Shipment(
            id=trip.shipment_id,
            order_id=trip.order_id,
            carrier=trip.carrier.name,
            tracking_number=trip.tracking_number,
            status=ShipmentStatus.DELIVERED,
            shipped_at=trip.shipped_at,
            eta=trip.eta,
            delivered_at=trip.delivered_at,
            last_event=f"Delivered: {dice.choice(_DELIVERY_SPOTS)}",
        )
        if fate == _Fate.RETURNED:
            returned = self._returned(items=items, amounts=amounts, shipment=delivered)
            if returned is not None:
                return returned
        if fate == _Fate.GOODWILL:
            refund_at = trip.delivered_at + dice.span(2 * HOUR, 6 * DAY)
            if refund_at <= as_of and amounts.goods_paid > 0:
                share = amounts.goods_paid * dice.randint(10, 30) // 100
                amount = max(min(500, amounts.goods_paid), share)
                refund = Refund(
                    id=RefundId(f"RF{next(self._refunds)}"),
                    order_id=order_id,
                    amount_cents=amount,
                    reason=dice.choice(_GOODWILL_REASONS),
                    status=RefundStatus.COMPLETED,
                    created_at=refund_at,
                )
                return _Outcome(
                    OrderStatus.REFUNDED,
                    refund_at,
                    trip.delivered_at,
                    (delivered,),
                    refunds=(refund,),
                )
        return _Outcome(OrderStatus.DELIVERED, trip.delivered_at, trip.delivered_at, (delivered,))

    def _trip(self, order_id: OrderId, ship_at: datetime) -> _Trip:
        """Pick a carrier; the parcel arrives on its ETA day, or a day early."""
        dice = self._dice
        carrier = dice.pick(_CARRIERS)
        delivery_day = (
            _day_start(ship_at) + dice.randint(carrier.fastest_days, carrier.slowest_days) * DAY
        )
        eta = delivery_day + _ETA_TIME
        if dice.chance(0.15):
            delivery_day -= DAY
        return _Trip(
            order_id=order_id,
            shipment_id=ShipmentId(f"SH{next(self._shipments)}"),
            carrier=carrier,
            tracking_number=self._tracking_number(carrier.name),
            shipped_at=ship_at,
            eta=eta,
            delivered_at=delivery_day + self._dice.span(14 * HOUR, 23 * HOUR + 30 * MINUTE),
        )

    def _tracking_number(self, carrier: str) -> str:
        """A unique number in the carrier's format: UPS 1Z + 16, FedEx 12, USPS 22, DHL 10."""
        digits = self._dice.digits
        while True:
            if carrier == "UPS":
                number = f"1Z{_UPS_SHIPPER}03{digits(8)}"
            elif carrier == "FedEx":
                number = digits(12)
            elif carrier == "USPS":
                number = f"9400{digits(18)}"
            else:
                number = digits(10)
            if number not in self._tracking_numbers:
                self._tracking_numbers.add(number)
                return number

    def _in_transit(self, trip: _Trip) -> _Outcome:
        """On its way with a future ETA; out for delivery on the day it arrives."""
        if _day_start(trip.delivered_at) == self._as_of:
            status, event = ShipmentStatus.OUT_FOR_DELIVERY, "Out for delivery"
        else:
            status = ShipmentStatus.IN_TRANSIT
            event = self._dice.choice(_IN_TRANSIT_EVENTS).format(
                carrier=trip.carrier.name, hub=self._dice.choice(trip.carrier.hubs)
            )
        shipment = self._shipment(trip, status=status, last_event=event)
        return _Outcome(OrderStatus.SHIPPED, trip.shipped_at, shipments=(shipment,))

    def _rescheduled(self, trip: _Trip) -> _Trip:
        """The same parcel, promised and delivered two to six days after its first ETA."""
        new_day = _day_start(trip.eta) + self._dice.randint(2, 6) * DAY
        return trip._replace(
            eta=new_day + _ETA_TIME,
            delivered_at=new_day + self._dice.span(14 * HOUR, 23 * HOUR + 30 * MINUTE),
        )

    def _delayed(self, late: _Trip, *, original_eta: datetime, at: datetime) -> _Outcome:
        """Held up: the ETA moved past the original one and the last event says why."""
        reason = self._dice.choice(_DELAY_REASONS).format(hub=self._dice.choice(late.carrier.hubs))
        event = (
            f"{reason}. New estimated delivery {late.eta.date().isoformat()}, "
            f"originally {original_eta.date().isoformat()}."
        )
        shipment = self._shipment(late, status=ShipmentStatus.DELAYED, last_event=event)
        return _Outcome(OrderStatus.DELAYED, at, shipments=(shipment,))

    def _lost(self, trip: _Trip) -> _Outcome | None:
        """No scan for ten days or more, then declared lost; None while it is not lost yet."""
        last_scan = trip.shipped_at + self._dice.span(6 * HOUR, 30 * HOUR)
        declared_at = last_scan + self._dice.span(10 * DAY, 14 * DAY)
        if declared_at > self._as_of:
            return None
        event = (
            f"No carrier scans since {last_scan.date().isoformat()}; trace opened and the "
            f"package declared lost on {declared_at.date().isoformat()}"
        )
        shipment = self._shipment(trip, status=ShipmentStatus.LOST, last_event=event)
        return _Outcome(OrderStatus.LOST, declared_at, shipments=(shipment,))

    @staticmethod
    def _shipment(trip: _Trip, *, status: ShipmentStatus, last_event: str) -> Shipment:
        """A shipment that has not arrived (yet)."""
        return Shipment(
            id=trip.shipment_id,
            order_id=trip.order_id,
            carrier=trip.carrier.name,
            tracking_number=trip.tracking_number,
            status=status,
            shipped_at=trip.shipped_at,
            eta=trip.eta,
            delivered_at=None,
            last_event=last_event,
        )

    def _returned(
        self, *, items: Sequence[OrderItem], amounts: _Amounts, shipment: Shipment
    ) -> _Outcome | None:
        """Some returnable units sent back inside their window, then received, then refunded.

        None when nothing in the order can be returned or the customer has not asked yet.
        """
        dice, as_of = self._dice, self._as_of
        returnable = [i for i in items if i.return_window_days > 0]
        if not returnable or shipment.delivered_at is None:
            return None
        delivered_at = shipment.delivered_at
        lines = dice.sample(returnable, dice.randint(1, len(returnable)))
        window = min(i.return_window_days for i in lines) * DAY
        requested_at = delivered_at + dice.span(DAY, window - HOUR)
        if requested_at > as_of:
            return None
        received_at = requested_at + dice.span(4 * DAY, 10 * DAY)
        refunded_at = received_at + dice.span(2 * DAY, 6 * DAY)
        wanted = [(line, dice.randint(1, line.quantity)) for line in lines]
        ret = Return(
            id=ReturnId(f"RMA{next(self._returns)}"),
            order_id=shipment.order_id,
            items=tuple(ReturnItem(product_id=line.product_id, quantity=n) for line, n in wanted),
            reason=dice.choice(_RETURN_REASONS.get(lines[0].category, _DEFAULT_RETURN_REASONS)),
            status=ReturnStatus.AUTHORIZED,
            label_reference=self._tracking_number("USPS"),
            created_at=requested_at,
        )
        if as_of < received_at:
            return _Outcome(
                OrderStatus.RETURNED, requested_at, delivered_at, (shipment,), returns=(ret,)
            )
        goods = sum(line.unit_price_cents * n for line, n in wanted)
        refunded = refunded_at <= as_of
        refund = Refund(
            id=RefundId(f"RF{next(self._refunds)}"),
            order_id=shipment.order_id,
            amount_cents=(goods * amounts.goods_paid + amounts.subtotal // 2) // amounts.subtotal,
            reason=f"Return {ret.id}: {ret.reason}",
            status=RefundStatus.COMPLETED if refunded else RefundStatus.PENDING,
            created_at=received_at,
            return_id=ret.id,
        )
        ret = replace(ret, status=ReturnStatus.REFUNDED if refunded else ReturnStatus.RECEIVED)
        if refunded:
            return _Outcome(
                OrderStatus.REFUNDED, refunded_at, delivered_at, (shipment,), (ret,), (refund,)
            )
        return _Outcome(
            OrderStatus.RETURNED, received_at, delivered_at, (shipment,), (ret,), (refund,)
        )


# --- workforce ---------------------------------------------------------------------------------

_AGENT_COUNT = 40
_AGENT_STATUSES = (
    (AgentStatus.AVAILABLE,) * 16
    + (AgentStatus.OFFLINE,) * 14
    + (AgentStatus.BUSY,) * 6
    + (AgentStatus.AWAY,) * 4
)


def _make_agents(dice: _Dice, queues: Sequence[Queue]) -> list[Agent]:
    """Forty agents, twelve of them speak Spanish; every queue's skill is held by three or more."""
    spanish = set(dice.sample(range(_AGENT_COUNT), 12))
    statuses = list(_AGENT_STATUSES)
    dice.shuffle(statuses)
    english_skills = [q.skill for q in queues if q.language == "en"]
    spanish_skills = [q.skill for q in queues if q.language == "es"]
    skills: list[dict[str, int]] = []
    for n in range(_AGENT_COUNT):
        held = {dice.choice(english_skills): dice.randint(3, 5)}
        for extra in dice.sample(english_skills, dice.randint(0, 2)):
            held.setdefault(extra, dice.choices((1, 2, 3, 4, 5), weights=(1, 3, 4, 3, 1))[0])
        if n in spanish:
            held.update((skill, dice.randint(3, 5)) for skill in spanish_skills)
        skills.append(held)
    for queue in queues:
        holders = [n for n in range(_AGENT_COUNT) if queue.skill in skills[n]]
        candidates = [
            n
            for n in range(_AGENT_COUNT)
            if queue.skill not in skills[n] and (queue.language == "en" or n in spanish)
        ]
        for n in dice.sample(candidates, max(0, 3 - len(holders))):
            skills[n][queue.skill] = dice.randint(2, 4)
    emails: set[str] = set()
    agents = []
    for n in range(_AGENT_COUNT):
        hispanic = n in spanish and dice.chance(0.7)
        firsts = _HISPANIC_FIRST_NAMES if hispanic else _FIRST_NAMES
        lasts = _HISPANIC_LAST_NAMES if hispanic else _LAST_NAMES
        email = ""
        while not email or email in emails:
            first, last = dice.choice(firsts), dice.choice(lasts)
            email = f"{_ascii_slug(first)}.{_ascii_slug(last)}@example.com"
        emails.add(email)
        languages: tuple[str, ...] = ("en",)
        if n in spanish:
            languages = ("es", "en") if dice.chance(0.25) else ("en", "es")
        agents.append(
            Agent(
                id=AgentId(f"agt_{101 + n:03d}"),
                name=f"{first} {last}",
                email=email,
                languages=languages,
                skills=tuple(
                    Skill(name=name, proficiency=level) for name, level in sorted(skills[n].items())
                ),
                max_concurrent=dice.choices((1, 2, 3, 4), weights=(15, 30, 35, 20))[0],
                status=statuses[n],
            )
        )
    return agents
