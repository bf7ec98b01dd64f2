"""The revenue waterfall of a co-production agreement: who is paid what, in which order.

A period's receipts (per title and territory, in the waterfall's currency) flow down
ordered tiers, each taking its part of what is left before the next one sees it:

- a distribution fee, a percentage of the period's net receipts;
- the recoupment of expenses, up to a total across all periods;
- the recoupment of an expense ledger: the expenses each payer actually incurred, period
  by period, with an overhead on each expense and interest on what is still unrecouped,
  optionally capped; the payers of one ledger tier recoup pari passu;
- the recoupment of investors' contributions, with an optional premium; the investors
  of one tier recoup pari passu;
- the profit split by the parties' shares, which takes everything left.

A period's net receipts are its gross receipts less the deficit brought forward. When
returns exceed revenue, the net is negative: nobody is paid anything that period and the
deficit is carried forward, to be made good from the next periods' receipts before any
tier sees them. A late receipt that belongs to a period already closed is accounted in
the period it arrives in, and shown there as an adjustment of the period it belongs to.

Rounding rule: every amount a tier takes is rounded down (toward zero) to the currency's
smallest unit, so a tier never takes money that is not there; so are an expense's
overhead and a period's interest. An amount shared among several parties (payers and
investors recouping pari passu, the profit split) is allocated by the largest-remainder
(Hamilton) method: each party gets its exact share rounded down, and the units left over
go one each to the parties with the largest remainders, ties going to the party listed
first. Nothing is lost or created: a period's payouts add up exactly to its net receipts,
or to zero when the net is negative.

What was recouped so far, what the ledger payers are owed and the deficit are carried
from one period to the next in a WaterfallState, which the caller stores with the
statement. The engine is pure: no models, no database. Converting receipts and expenses
into the waterfall's currency is the caller's job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

from django.utils.translation import gettext_lazy as _

from coprod.core.spreadsheet import csv_text

# Digits after the decimal point of each currency's smallest unit (ISO 4217).
MINOR_UNITS = {"KRW": 0, "JPY": 0, "CNY": 2, "THB": 2, "USD": 2}

ROUNDING_RULE = (
    "Every amount a tier takes is rounded down (toward zero) to the currency's smallest "
    "unit, so a tier never takes money that is not there; so are an expense's overhead "
    "and a period's interest. An amount shared among several parties (payers and investors "
    "recouping pari passu, the profit split) is allocated by the largest-remainder method: "
    "each party gets its exact share rounded down, and the units left over go one each to "
    "the parties with the largest remainders, ties going to the party listed first. A "
    "period's net receipts are its gross receipts less the deficit brought forward; its "
    "payouts add up exactly to its net receipts. When the net is negative nobody is paid "
    "that period and the deficit is carried forward."
)

HUNDRED = Decimal(100)


class TierKind:
    DISTRIBUTION_FEE = "distribution_fee"
    EXPENSE = "expense"
    EXPENSE_LEDGER = "expense_ledger"
    INVESTOR_RECOUPMENT = "investor_recoupment"
    PROFIT_SPLIT = "profit_split"


# --- amounts ----------------------------------------------------------------------------

def minor_units(currency: str) -> int:
    """Digits after the decimal point of the currency's smallest unit."""
    if not isinstance(currency, str) or currency not in MINOR_UNITS:
        raise ValueError(_("Unknown currency %(currency)r; supported: %(supported)s.")
                         % {"currency": currency, "supported": ", ".join(MINOR_UNITS)})
    return MINOR_UNITS[currency]


def format_amount(amount: Decimal, currency: str) -> str:
    """The amount with exactly the currency's decimal places: "1234.50" USD, "1500000" KRW."""
    # Through whole units: an amount finer than the currency allows is an error, not rounded.
    return f"{_from_units(_to_units(amount, currency, _('The amount')), currency):f}"


def largest_remainder(units: int, weights: Sequence[Decimal | int]) -> list[int]:
    """Split ``units`` smallest currency units in proportion to ``weights``.

    Hamilton's method: each weight gets its exact quota rounded down, and the units left
    over go one each to the largest remainders, ties to the weight listed first. The
    result always adds up to ``units``, and nobody gets more than their quota rounded up.
    """
    if units < 0:
        raise ValueError(_("Cannot allocate a negative amount."))
    total_weight = sum((Fraction(weight) for weight in weights), Fraction(0))
    if total_weight <= 0:
        if units == 0:
            return [0] * len(weights)
        raise ValueError(_("Cannot allocate an amount when no weight is positive."))
    quotas = [units * Fraction(weight) / total_weight for weight in weights]
    allocated = [quota.numerator // quota.denominator for quota in quotas]
    left_over = units - sum(allocated)
    by_remainder = sorted(range(len(quotas)),
                          key=lambda index: (-(quotas[index] - allocated[index]), index))
    for index in by_remainder[:left_over]:
        allocated[index] += 1
    return allocated


def _decimal(value: Decimal | int, what: str) -> Decimal:
    """A finite Decimal; ints are exact too. Floats are refused: 0.1 is not one tenth."""
    if isinstance(value, float):
        raise TypeError(_("%(what)s must be a Decimal, not a float (floats are not exact).")
                        % {"what": what})
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(_("%(what)s must be a Decimal, not %(type)s.")
                        % {"what": what, "type": type(value).__name__})
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(_("%(what)s must be a finite number.") % {"what": what})
    return value


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_("%(what)s must not be empty.") % {"what": what})
    return value


def _to_units(amount: Decimal, currency: str, what: str) -> int:
    """The amount as a whole number of the currency's smallest units."""
    units = amount.scaleb(minor_units(currency))
    if units != units.to_integral_value():
        raise ValueError(_("%(what)s %(amount)s has more decimal places than %(currency)s "
                           "allows (%(places)d).")
                         % {"what": what, "amount": amount, "currency": currency,
                            "places": minor_units(currency)})
    return int(units)


def _from_units(units: int, currency: str) -> Decimal:
    return Decimal(units).scaleb(-minor_units(currency))


def _floor(value: Fraction) -> int:
    return value.numerator // value.denominator


# --- tiers ------------------------------------------------------------------------------

@dataclass(frozen=True)
class DistributionFeeTier:
    """``percentage`` % of the period's gross receipts, capped by what is left."""

    name: str
    recipient: str
    percentage: Decimal

    kind = TierKind.DISTRIBUTION_FEE

    def __post_init__(self):
        _text(self.name, _("The tier name"))
        _text(self.recipient, _("The fee recipient"))
        percentage = _decimal(self.percentage, _("The distribution fee percentage"))
        if not 0 <= percentage <= HUNDRED:
            raise ValueError(_("The distribution fee of %(tier)s must be between 0 and 100%%.")
                             % {"tier": self.name})
        object.__setattr__(self, "percentage", percentage)

    @property
    def parties(self) -> tuple[str, ...]:
        return (self.recipient,)


@dataclass(frozen=True)
class ExpenseTier:
    """Recoups up to ``amount`` in total across all periods, from what is left."""

    name: str
    recipient: str
    amount: Decimal

    kind = TierKind.EXPENSE

    def __post_init__(self):
        _text(self.name, _("The tier name"))
        _text(self.recipient, _("The expense recipient"))
        amount = _decimal(self.amount, _("The expense amount"))
        if amount < 0:
            raise ValueError(_("The expenses of %(tier)s cannot be negative.")
                             % {"tier": self.name})
        object.__setattr__(self, "amount", amount)

    @property
    def parties(self) -> tuple[str, ...]:
        return (self.recipient,)


@dataclass(frozen=True)
class ExpenseLedgerTier:
    """Recoups the expenses each payer incurred, as recorded in the ledger period by period.

    Each expense adds its amount plus ``overhead_percentage`` % (rounded down) to what its
    payer is owed. Before a period's expenses are added, what the payer was still owed at
    the start of the period earns a period's interest: ``interest_percentage`` % a year
    divided by the waterfall's periods per year (rounded down). The payers recoup pari
    passu, pro rata to what each is still owed. ``cap`` limits the total the tier pays
    across all periods; what is owed beyond it is never paid.
    """

    name: str
    payers: tuple[str, ...]
    cap: Decimal | None = None
    overhead_percentage: Decimal = Decimal(0)
    interest_percentage: Decimal = Decimal(0)

    kind = TierKind.EXPENSE_LEDGER

    def __post_init__(self):
        _text(self.name, _("The tier name"))
        if isinstance(self.payers, str):
            raise TypeError(_("The payers of %(tier)s must be a tuple of names, not one "
                              "string.") % {"tier": self.name})
        payers = tuple(self.payers)
        if not payers:
            raise ValueError(_("The expense ledger tier %(tier)s has no payers.")
                             % {"tier": self.name})
        for payer in payers:
            _text(payer, _("The payer"))
        _check_unique(list(payers), self.name)
        if self.cap is not None:
            cap = _decimal(self.cap, _("The expense cap"))
            if cap < 0:
                raise ValueError(_("The cap of %(tier)s cannot be negative.")
                                 % {"tier": self.name})
            object.__setattr__(self, "cap", cap)
        for attribute, what in (("overhead_percentage", _("The overhead percentage")),
                                ("interest_percentage", _("The interest percentage"))):
            percentage = _decimal(getattr(self, attribute), what)
            if percentage < 0:
                raise ValueError(_("%(what)s of %(tier)s cannot be negative.")
                                 % {"what": what, "tier": self.name})
            object.__setattr__(self, attribute, percentage)
        object.__setattr__(self, "payers", payers)

    @property
    def parties(self) -> tuple[str, ...]:
        return self.payers


@dataclass(frozen=True)
class InvestorPosition:
    party: str
    contribution: Decimal
    premium_percentage: Decimal = Decimal(0)

    def __post_init__(self):
        _text(self.party, _("The investor"))
        contribution = _decimal(self.contribution, _("The contribution"))
        premium = _decimal(self.premium_percentage, _("The premium percentage"))
        if contribution <= 0:
            raise ValueError(_("The contribution of %(party)s must be positive.")
                             % {"party": self.party})
        if premium < 0:
            raise ValueError(_("The premium of %(party)s cannot be negative.")
                             % {"party": self.party})
        object.__setattr__(self, "contribution", contribution)
        object.__setattr__(self, "premium_percentage", premium)

    def amount_owed(self, currency: str) -> Decimal:
        """contribution × (1 + premium / 100), rounded down to the currency's smallest unit."""
        return _from_units(self._units_owed(currency), currency)

    def _units_owed(self, currency: str) -> int:
        contribution = _to_units(self.contribution, currency, _("The contribution"))
        return _floor(contribution * (100 + Fraction(self.premium_percentage)) / 100)


@dataclass(frozen=True)
class InvestorRecoupmentTier:
    """Investors recoup pari passu: pro rata to what each is still owed."""

    name: str
    investors: tuple[InvestorPosition, ...]

    kind = TierKind.INVESTOR_RECOUPMENT

    def __post_init__(self):
        _text(self.name, _("The tier name"))
        investors = tuple(self.investors)
        if not investors:
            raise ValueError(_("The investor tier %(tier)s has no investors.")
                             % {"tier": self.name})
        for investor in investors:
            if not isinstance(investor, InvestorPosition):
                raise TypeError(_("The investors of %(tier)s must be InvestorPositions.")
                                % {"tier": self.name})
        _check_unique([investor.party for investor in investors], self.name)
        object.__setattr__(self, "investors", investors)

    @property
    def parties(self) -> tuple[str, ...]:
        return tuple(investor.party for investor in self.investors)


@dataclass(frozen=True)
class ProfitSplitTier:
    """Takes everything left, split by ``shares``: (party, percentage) totalling 100."""

    name: str
    shares: tuple[tuple[str, Decimal], ...]

    kind = TierKind.PROFIT_SPLIT

    def __post_init__(self):
        _text(self.name, _("The tier name"))
        shares = []
        for party, percentage in self.shares:
            _text(party, _("The shareholder"))
            percentage = _decimal(percentage, _("The profit share"))
            if percentage < 0:
                raise ValueError(_("The profit share of %(party)s cannot be negative.")
                                 % {"party": party})
            shares.append((party, percentage))
        _check_unique([party for party, _share in shares], self.name)
        total = sum((percentage for _party, percentage in shares), Decimal(0))
        if total != HUNDRED:
            raise ValueError(_("The profit shares of %(tier)s total %(total)s%%, not 100%%.")
                             % {"tier": self.name, "total": total})
        object.__setattr__(self, "shares", tuple(shares))

    @property
    def parties(self) -> tuple[str, ...]:
        return tuple(party for party, _share in self.shares)


Tier = (DistributionFeeTier | ExpenseTier | ExpenseLedgerTier | InvestorRecoupmentTier
        | ProfitSplitTier)

PERIODS_PER_YEAR = (1, 2, 4, 12)


def _check_unique(parties: list[str], tier_name: str) -> None:
    seen = set()
    for party in parties:
        if party in seen:
            raise ValueError(_("%(party)s appears twice in %(tier)s.")
                             % {"party": party, "tier": tier_name})
        seen.add(party)


@dataclass(frozen=True)
class Waterfall:
    """The tiers, in order, in one currency. ``periods_per_year`` (1, 2, 4 or 12) turns
    the yearly interest of expense ledger tiers into a period's interest."""

    currency: str
    tiers: tuple[Tier, ...]
    periods_per_year: int = 4

    def __post_init__(self):
        minor_units(self.currency)
        if (isinstance(self.periods_per_year, bool) or not isinstance(self.periods_per_year, int)
                or self.periods_per_year not in PERIODS_PER_YEAR):
            raise ValueError(_("A waterfall has 1, 2, 4 or 12 periods a year, not "
                               "%(periods)r.") % {"periods": self.periods_per_year})
        tiers = tuple(self.tiers)
        for tier in tiers:
            if not isinstance(tier, Tier):
                raise TypeError(_("%(tier)r is not a waterfall tier.") % {"tier": tier})
        names = [tier.name for tier in tiers]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(_("Two tiers are named %(name)s; tier names must be unique.")
                                 % {"name": name})
        profit_tiers = [tier for tier in tiers if isinstance(tier, ProfitSplitTier)]
        if len(profit_tiers) != 1 or tiers[-1] is not profit_tiers[0]:
            raise ValueError(_("A waterfall ends with exactly one profit split tier."))
        ledger_of_payer: dict[str, str] = {}
        for tier in tiers:
            if isinstance(tier, ExpenseTier):
                _to_units(tier.amount, self.currency, _("The expense amount"))
            elif isinstance(tier, ExpenseLedgerTier):
                if tier.cap is not None:
                    _to_units(tier.cap, self.currency, _("The expense cap"))
                for payer in tier.payers:
                    # One ledger per payer, so that an expense can only go to one place.
                    if payer in ledger_of_payer:
                        raise ValueError(_("%(payer)s is a payer in two expense ledger tiers, "
                                           "%(first)s and %(second)s; a payer's expenses "
                                           "go to one ledger tier.")
                                         % {"payer": payer, "first": ledger_of_payer[payer],
                                            "second": tier.name})
                    ledger_of_payer[payer] = tier.name
            elif isinstance(tier, InvestorRecoupmentTier):
                for investor in tier.investors:
                    _to_units(investor.contribution, self.currency, _("The contribution"))
        object.__setattr__(self, "tiers", tiers)

    def ledger_tier_of(self, payer: str) -> ExpenseLedgerTier | None:
        """The expense ledger tier that recoups ``payer``'s expenses, if any."""
        return next((tier for tier in self.tiers
                     if isinstance(tier, ExpenseLedgerTier) and payer in tier.payers), None)

    @property
    def parties(self) -> tuple[str, ...]:
        """Every party, in the order it first appears in the tiers."""
        return tuple(dict.fromkeys(party for tier in self.tiers for party in tier.parties))


# --- receipts, expenses, state, statement -----------------------------------------------

@dataclass(frozen=True)
class Receipt:
    """Revenue received for one title in one territory; negative for returns and refunds.

    ``adjusts_period``: for a late receipt that belongs to a period already closed, that
    period. It is accounted in the period being computed like any other receipt, and shown
    there as an adjustment.
    """

    title: str
    territory: str
    amount: Decimal
    currency: str
    adjusts_period: str = ""

    def __post_init__(self):
        _text(self.title, _("The title"))
        _text(self.territory, _("The territory"))
        amount = _decimal(self.amount, _("The receipt amount"))
        _to_units(amount, self.currency, _("The receipt amount"))
        if not isinstance(self.adjusts_period, str):
            raise TypeError(_("The period a receipt adjusts must be text, not %(type)s.")
                            % {"type": type(self.adjusts_period).__name__})
        object.__setattr__(self, "amount", amount)

    def __str__(self):
        text = f"{self.title} / {self.territory}: {self.amount} {self.currency}"
        return f"{text} (adjusting {self.adjusts_period})" if self.adjusts_period else text


@dataclass(frozen=True)
class Expense:
    """One expense ledger entry incurred in the period being computed, already converted
    to the waterfall's currency; an expense ledger tier that lists ``payer`` recoups it."""

    payer: str
    amount: Decimal
    reference: str = ""
    title: str = ""

    def __post_init__(self):
        _text(self.payer, _("The payer"))
        amount = _decimal(self.amount, _("The expense amount"))
        if amount <= 0:
            raise ValueError(_("The expense %(reference)s of %(payer)s must be positive, not "
                               "%(amount)s.")
                             % {"reference": self.reference, "payer": self.payer,
                                "amount": amount})
        for attribute in ("reference", "title"):
            if not isinstance(getattr(self, attribute), str):
                raise TypeError(_("The %(attribute)s of an expense must be text.")
                                % {"attribute": attribute})
        object.__setattr__(self, "amount", amount)

    def __str__(self):
        reference = f" {self.reference}" if self.reference else ""
        return f"{self.payer}{reference}: {self.amount}"


@dataclass(frozen=True)
class WaterfallState:
    """What each tier has taken so far, carried from one period to the next.

    ``tier_totals``: per tier name, the cumulative amount recouped (paid, for fee and
    profit tiers). ``investor_totals``: per (investor tier name, party), the cumulative
    amount that investor recouped. ``ledger_owed``: per (expense ledger tier name, payer),
    the cumulative amount owed, overhead and interest included; ``ledger_recouped``: per
    the same key, the cumulative amount that payer recouped. ``deficit``: what the last
    period's returns exceeded its revenue by (with any deficit before), still to be made
    good before any tier is paid.
    """

    tier_totals: Mapping[str, Decimal] = field(default_factory=dict)
    investor_totals: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    deficit: Decimal = Decimal(0)
    ledger_owed: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)
    ledger_recouped: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)

    def __post_init__(self):
        for name in ("tier_totals", "investor_totals", "ledger_owed", "ledger_recouped"):
            checked = {}
            for key, amount in getattr(self, name).items():
                amount = _decimal(amount, _("An amount in the state"))
                if amount < 0:
                    raise ValueError(_("An amount in the state cannot be negative: %(key)s "
                                       "(%(amount)s).") % {"key": key, "amount": amount})
                checked[key] = amount
            object.__setattr__(self, name, MappingProxyType(checked))
        deficit = _decimal(self.deficit, _("The deficit"))
        if deficit < 0:
            raise ValueError(_("The deficit carried forward cannot be negative: %(amount)s.")
                             % {"amount": deficit})
        object.__setattr__(self, "deficit", deficit)

    @classmethod
    def empty(cls) -> WaterfallState:
        return cls()

    def tier_total(self, tier_name: str) -> Decimal:
        return self.tier_totals.get(tier_name, Decimal(0))

    def investor_total(self, tier_name: str, party: str) -> Decimal:
        return self.investor_totals.get((tier_name, party), Decimal(0))

    def ledger_owed_total(self, tier_name: str, payer: str) -> Decimal:
        return self.ledger_owed.get((tier_name, payer), Decimal(0))

    def ledger_recouped_total(self, tier_name: str, payer: str) -> Decimal:
        return self.ledger_recouped.get((tier_name, payer), Decimal(0))

    def as_dict(self) -> dict:
        """JSON-ready: amounts as strings, so no digit is lost."""
        return {"tiers": {name: str(amount) for name, amount in self.tier_totals.items()},
                "investors": _nested(self.investor_totals),
                "deficit": str(self.deficit),
                "ledger_owed": _nested(self.ledger_owed),
                "ledger_recouped": _nested(self.ledger_recouped)}

    @classmethod
    def from_dict(cls, data: Mapping) -> WaterfallState:
        """The state ``as_dict`` gave; a dict stored before deficits and expense ledgers
        (no such keys) loads with none."""
        return cls(
            tier_totals={name: Decimal(amount)
                         for name, amount in data.get("tiers", {}).items()},
            investor_totals=_flat(data.get("investors", {})),
            deficit=Decimal(data.get("deficit", "0")),
            ledger_owed=_flat(data.get("ledger_owed", {})),
            ledger_recouped=_flat(data.get("ledger_recouped", {})),
        )


def _nested(mapping: Mapping[tuple[str, str], Decimal]) -> dict[str, dict[str, str]]:
    nested: dict[str, dict[str, str]] = {}
    for (tier_name, party), amount in mapping.items():
        nested.setdefault(tier_name, {})[party] = str(amount)
    return nested


def _flat(nested: Mapping[str, Mapping[str, str]]) -> dict[tuple[str, str], Decimal]:
    return {(tier_name, party): Decimal(amount)
            for tier_name, parties in nested.items() for party, amount in parties.items()}


@dataclass(frozen=True)
class InvestorLine:
    """One investor's recoupment in an investor tier, or one payer's in an expense ledger
    tier.

    ``owed``: in all, to date (for a payer, overhead and interest included, this period's
    too). ``remaining_to_recoup``: for an investor, owed less recouped; for a payer, the
    same but never more than the tier's cap still allows.
    """

    party: str
    owed: Decimal
    paid: Decimal
    recouped_to_date: Decimal
    remaining_to_recoup: Decimal


@dataclass(frozen=True)
class TierLine:
    name: str
    kind: str
    available: Decimal
    paid: Decimal
    paid_to: tuple[tuple[str, Decimal], ...]
    # Fee and profit tiers: what the tier has paid to date; they have nothing to recoup.
    recouped_to_date: Decimal
    remaining_to_recoup: Decimal | None
    investors: tuple[InvestorLine, ...] = ()


@dataclass(frozen=True)
class PartyLine:
    """A tier as one party sees it: what it was paid there and, where it recoups, how far."""

    tier: str
    kind: str
    available: Decimal
    paid: Decimal
    recouped_to_date: Decimal | None
    remaining_to_recoup: Decimal | None


@dataclass(frozen=True)
class Statement:
    """One period run down the waterfall.

    ``net`` = ``gross`` - ``deficit_brought_forward``, negative when returns (and the
    deficit) exceed revenue; the payouts add up to ``net``, or to zero when it is negative,
    and ``deficit_carried_forward`` is then ``-net``. ``receipts_by_title_territory`` holds
    the period's own receipts, ``adjustments`` the late receipts of closed periods as
    (adjusts_period, title, territory, amount); both count in ``gross``. ``expenses``: the
    period's ledger expenses as given, (payer, title, reference, amount).
    """

    period: str
    currency: str
    gross: Decimal
    deficit_brought_forward: Decimal
    net: Decimal
    deficit_carried_forward: Decimal
    receipts_by_title_territory: list[tuple[str, str, Decimal]]
    adjustments: list[tuple[str, str, str, Decimal]]
    expenses: list[tuple[str, str, str, Decimal]]
    tiers: tuple[TierLine, ...]
    payouts: tuple[tuple[str, Decimal], ...]
    carried_forward: WaterfallState
    unrecouped: Decimal
    rounding_rule: str = ROUNDING_RULE

    @property
    def parties(self) -> tuple[str, ...]:
        return tuple(party for party, _amount in self.payouts)

    def payout(self, party: str) -> Decimal:
        self._check_party(party)
        return dict(self.payouts)[party]

    def for_party(self, party: str) -> list[PartyLine]:
        """The tiers that concern ``party``, in waterfall order."""
        self._check_party(party)
        lines = []
        for line in self.tiers:
            paid_to = dict(line.paid_to)
            if party not in paid_to:
                continue
            recouped, remaining = line.recouped_to_date, line.remaining_to_recoup
            if line.kind in (TierKind.INVESTOR_RECOUPMENT, TierKind.EXPENSE_LEDGER):
                investor = next(each for each in line.investors if each.party == party)
                recouped, remaining = investor.recouped_to_date, investor.remaining_to_recoup
            elif line.kind == TierKind.PROFIT_SPLIT:
                # The state keeps the split's total, not each party's part of it.
                recouped = None
            lines.append(PartyLine(tier=line.name, kind=line.kind, available=line.available,
                                   paid=paid_to[party], recouped_to_date=recouped,
                                   remaining_to_recoup=remaining))
        return lines

    def _check_party(self, party: str) -> None:
        if party not in self.parties:
            raise ValueError(_("%(party)s is not a party to this waterfall.")
                             % {"party": party})


def _check_state(waterfall: Waterfall, state: WaterfallState) -> None:
    """A state from another waterfall would silently recoup the wrong balances."""
    if not isinstance(state, WaterfallState):
        raise TypeError(_("The state must be a WaterfallState."))
    tiers = {tier.name: tier for tier in waterfall.tiers}
    for name in state.tier_totals:
        if name not in tiers:
            raise ValueError(_("The state names a tier %(tier)s that this waterfall does not "
                               "have.") % {"tier": name})
    for tier_name, party in state.investor_totals:
        tier = tiers.get(tier_name)
        if not isinstance(tier, InvestorRecoupmentTier) or party not in tier.parties:
            raise ValueError(_("The state names an investor %(party)s in %(tier)s that this "
                               "waterfall does not have.")
                             % {"party": party, "tier": tier_name})
    for tier_name, payer in [*state.ledger_owed, *state.ledger_recouped]:
        tier = tiers.get(tier_name)
        if not isinstance(tier, ExpenseLedgerTier) or payer not in tier.payers:
            raise ValueError(_("The state names a payer %(payer)s in an expense ledger tier "
                               "%(tier)s that this waterfall does not have.")
                             % {"payer": payer, "tier": tier_name})
        if state.ledger_recouped_total(tier_name, payer) > state.ledger_owed_total(tier_name,
                                                                                   payer):
            raise ValueError(_("The state has %(payer)s recouping more than it is owed in "
                               "%(tier)s.") % {"payer": payer, "tier": tier_name})


def compute_statement(waterfall: Waterfall, *, period: str, receipts: Sequence[Receipt],
                      state: WaterfallState, expenses: Sequence[Expense] = ()) -> Statement:
    """Run one period's receipts down the waterfall, starting from ``state``; ``expenses``
    are the ledger expenses incurred in the period."""
    _text(period, _("The period"))
    _check_state(waterfall, state)
    currency = waterfall.currency

    def units(amount: Decimal, what: str) -> int:
        return _to_units(amount, currency, what)

    def money(amount_in_units: int) -> Decimal:
        return _from_units(amount_in_units, currency)

    gross = 0
    by_title_territory: dict[tuple[str, str], int] = {}
    adjustments: dict[tuple[str, str, str], int] = {}
    for receipt in receipts:
        if not isinstance(receipt, Receipt):
            raise TypeError(_("Receipts must be Receipt objects, not %(type)s.")
                            % {"type": type(receipt).__name__})
        if receipt.currency != currency:
            raise ValueError(_("The receipt %(receipt)s is not in %(currency)s; convert it "
                               "before running the waterfall.")
                             % {"receipt": receipt, "currency": currency})
        if receipt.adjusts_period == period:
            raise ValueError(_("The receipt %(receipt)s adjusts the period being computed; "
                               "only a closed period is adjusted.") % {"receipt": receipt})
        amount = units(receipt.amount, _("The receipt amount"))
        gross += amount
        if receipt.adjusts_period:
            key = (receipt.adjusts_period, receipt.title, receipt.territory)
            adjustments[key] = adjustments.get(key, 0) + amount
        else:
            key = (receipt.title, receipt.territory)
            by_title_territory[key] = by_title_territory.get(key, 0) + amount

    # Each expense, overhead included, added to what its payer is owed in its ledger tier.
    expensed: dict[tuple[str, str], int] = {}
    for expense in expenses:
        if not isinstance(expense, Expense):
            raise TypeError(_("Expenses must be Expense objects, not %(type)s.")
                            % {"type": type(expense).__name__})
        what = ((_("The expense %(reference)s of %(payer)s") if expense.reference
                 else _("The expense of %(payer)s"))
                % {"reference": expense.reference, "payer": expense.payer})
        tier = waterfall.ledger_tier_of(expense.payer)
        if tier is None:
            raise ValueError(_("%(what)s (%(amount)s) has no expense ledger tier: %(payer)s "
                               "is not a payer in any.")
                             % {"what": what, "amount": expense.amount,
                                "payer": expense.payer})
        amount = units(expense.amount, what)
        key = (tier.name, expense.payer)
        expensed[key] = expensed.get(key, 0) + _floor(
            amount * (100 + Fraction(tier.overhead_percentage)) / 100)

    deficit_brought_forward = units(state.deficit, _("The deficit"))
    net = gross - deficit_brought_forward
    # A negative net pays nobody; the tiers all run on nothing so that expenses, interest
    # and the balances still carry forward.
    available = distributable = max(net, 0)
    payouts = dict.fromkeys(waterfall.parties, 0)
    tier_totals: dict[str, Decimal] = {}
    investor_totals: dict[tuple[str, str], Decimal] = {}
    ledger_owed: dict[tuple[str, str], Decimal] = {}
    ledger_recouped: dict[tuple[str, str], Decimal] = {}
    lines = []
    unrecouped = 0
    for tier in waterfall.tiers:
        before = units(state.tier_total(tier.name), _("A recouped amount"))
        investor_lines: tuple[InvestorLine, ...] = ()
        remaining: int | None = None
        if isinstance(tier, DistributionFeeTier):
            fee = _floor(distributable * Fraction(tier.percentage) / 100)
            paid_to = [(tier.recipient, min(fee, available))]
        elif isinstance(tier, ExpenseTier):
            cap = units(tier.amount, _("The expense amount"))
            paid = min(available, max(cap - before, 0))
            paid_to = [(tier.recipient, paid)]
            remaining = max(cap - before - paid, 0)
        elif isinstance(tier, ExpenseLedgerTier):
            paid_to, investor_lines, before, remaining = _ledger_tier(
                tier, state, expensed, available, waterfall.periods_per_year, units, money)
            for payer_line in investor_lines:
                ledger_owed[(tier.name, payer_line.party)] = payer_line.owed
                ledger_recouped[(tier.name, payer_line.party)] = payer_line.recouped_to_date
        elif isinstance(tier, InvestorRecoupmentTier):
            owed = [investor._units_owed(currency) for investor in tier.investors]
            recouped = [units(state.investor_total(tier.name, party), _("A recouped amount"))
                        for party in tier.parties]
            outstanding = [max(owe - done, 0) for owe, done in zip(owed, recouped, strict=True)]
            if available >= sum(outstanding):
                payments = outstanding
            else:
                payments = largest_remainder(available, outstanding)
            paid_to = list(zip(tier.parties, payments, strict=True))
            investor_lines = tuple(
                InvestorLine(party=party, owed=money(owe), paid=money(pay),
                             recouped_to_date=money(done + pay),
                             remaining_to_recoup=money(max(owe - done - pay, 0)))
                for party, owe, done, pay in zip(tier.parties, owed, recouped, payments,
                                                 strict=True))
            for investor in investor_lines:
                investor_totals[(tier.name, investor.party)] = investor.recouped_to_date
            # The investors' own balances are the truth; the tier total follows from them.
            before = sum(recouped)
            remaining = sum(max(owe - done - pay, 0)
                            for owe, done, pay in zip(owed, recouped, payments, strict=True))
        else:
            shares = [percentage for _party, percentage in tier.shares]
            paid_to = list(zip(tier.parties, largest_remainder(available, shares),
                               strict=True))

        paid = sum(amount for _party, amount in paid_to)
        for party, amount in paid_to:
            payouts[party] += amount
        tier_totals[tier.name] = money(before + paid)
        if remaining is not None:
            unrecouped += remaining
        lines.append(TierLine(
            name=tier.name, kind=tier.kind, available=money(available), paid=money(paid),
            paid_to=tuple((party, money(amount)) for party, amount in paid_to),
            recouped_to_date=money(before + paid),
            remaining_to_recoup=None if remaining is None else money(remaining),
            investors=investor_lines,
        ))
        available -= paid

    # The profit split takes everything left, so nothing can be lost or created.
    assert available == 0 and sum(payouts.values()) == distributable
    return Statement(
        period=period,
        currency=currency,
        gross=money(gross),
        deficit_brought_forward=money(deficit_brought_forward),
        net=money(net),
        deficit_carried_forward=money(max(-net, 0)),
        receipts_by_title_territory=[(title, territory, money(amount)) for (title, territory),
                                     amount in sorted(by_title_territory.items())],
        adjustments=[(adjusted, title, territory, money(amount)) for
                     (adjusted, title, territory), amount in sorted(adjustments.items())],
        expenses=[(expense.payer, expense.title, expense.reference,
                   money(units(expense.amount, _("The expense amount"))))
                  for expense in expenses],
        tiers=tuple(lines),
        payouts=tuple((party, money(amount)) for party, amount in payouts.items()),
        carried_forward=WaterfallState(tier_totals=tier_totals,
                                       investor_totals=investor_totals,
                                       deficit=money(max(-net, 0)),
                                       ledger_owed=ledger_owed,
                                       ledger_recouped=ledger_recouped),
        unrecouped=money(unrecouped),
    )


def _ledger_tier(tier: ExpenseLedgerTier, state: WaterfallState,
                 expensed: Mapping[tuple[str, str], int], available: int,
                 periods_per_year: int, units: Callable[[Decimal, str], int],
                 money: Callable[[int], Decimal]):
    """An expense ledger tier's payments, per payer lines, recouped before and remaining."""
    owed = []
    recouped = []
    for payer in tier.payers:
        owed_before = units(state.ledger_owed_total(tier.name, payer), _("An owed amount"))
        done = units(state.ledger_recouped_total(tier.name, payer), _("A recouped amount"))
        # Interest on what was outstanding when the period began, before its new expenses.
        interest = _floor((owed_before - done) * Fraction(tier.interest_percentage)
                          / (100 * periods_per_year))
        owed.append(owed_before + interest + expensed.get((tier.name, payer), 0))
        recouped.append(done)
    outstanding = [owe - done for owe, done in zip(owed, recouped, strict=True)]
    # The payers' own balances are the truth; the tier total follows from them.
    before = sum(recouped)
    cap_left = None
    if tier.cap is not None:
        cap_left = max(units(tier.cap, _("The expense cap")) - before, 0)
    payable = available if cap_left is None else min(available, cap_left)
    if payable >= sum(outstanding):
        payments = outstanding
    else:
        payments = largest_remainder(payable, outstanding)
    paid = sum(payments)

    def recoverable(amount: int) -> int:
        # What the cap no longer allows is not shown as still to recoup.
        return amount if cap_left is None else min(amount, cap_left - paid)

    payer_lines = tuple(
        InvestorLine(party=payer, owed=money(owe), paid=money(pay),
                     recouped_to_date=money(done + pay),
                     remaining_to_recoup=money(recoverable(owe - done - pay)))
        for payer, owe, done, pay in zip(tier.payers, owed, recouped, payments, strict=True))
    paid_to = list(zip(tier.payers, payments, strict=True))
    return paid_to, payer_lines, before, recoverable(sum(outstanding) - paid)


# --- CSV --------------------------------------------------------------------------------

TIER_COLUMNS = ["tier", "kind", "available", "paid", "recouped_to_date", "remaining_to_recoup"]
ADJUSTMENT_COLUMNS = ["adjusts_period", "title", "territory", "amount"]
EXPENSE_COLUMNS = ["payer", "title", "reference", "amount"]


def statement_csv(statement: Statement) -> str:
    """The whole statement: header, receipts, adjustments, expenses, one row per tier, one
    row per party payout."""
    amount = _formatter(statement.currency)
    rows = _header_rows(statement)
    rows += _expense_rows(statement, statement.expenses)
    rows += [[], TIER_COLUMNS]
    rows += [[line.name, line.kind, amount(line.available), amount(line.paid),
              amount(line.recouped_to_date), amount(line.remaining_to_recoup)]
             for line in statement.tiers]
    rows += [[], ["party", "payout"]]
    rows += [[party, amount(payout)] for party, payout in statement.payouts]
    return _write(rows)


def statement_csv_for_party(statement: Statement, party: str) -> str:
    """One party's statement: no other party's name or payout appears in it (of the
    period's expenses, only its own)."""
    amount = _formatter(statement.currency)
    party_lines = statement.for_party(party)
    rows = _header_rows(statement)
    rows.insert(1, ["party", party])
    rows += _expense_rows(statement, [expense for expense in statement.expenses
                                      if expense[0] == party])
    rows += [[], TIER_COLUMNS]
    rows += [[line.tier, line.kind, amount(line.available), amount(line.paid),
              amount(line.recouped_to_date), amount(line.remaining_to_recoup)]
             for line in party_lines]
    rows += [[], ["party", "payout"], [party, amount(statement.payout(party))]]
    return _write(rows)


def _formatter(currency: str):
    def amount(value: Decimal | None) -> str:
        return "" if value is None else format_amount(value, currency)

    return amount


def _header_rows(statement: Statement) -> list[list[str]]:
    amount = _formatter(statement.currency)
    rows = [["period", statement.period], ["currency", statement.currency],
            ["gross", amount(statement.gross)],
            ["deficit_brought_forward", amount(statement.deficit_brought_forward)],
            ["net", amount(statement.net)],
            ["deficit_carried_forward", amount(statement.deficit_carried_forward)],
            ["rounding_rule", statement.rounding_rule],
            [], ["title", "territory", "amount"]]
    rows += [[title, territory, amount(total)]
             for title, territory, total in statement.receipts_by_title_territory]
    rows += [[], ADJUSTMENT_COLUMNS]
    rows += [[adjusted, title, territory, amount(total)]
             for adjusted, title, territory, total in statement.adjustments]
    return rows


def _expense_rows(statement: Statement, expenses) -> list[list[str]]:
    amount = _formatter(statement.currency)
    return [[], EXPENSE_COLUMNS] + [[payer, title, reference, amount(total)]
                                    for payer, title, reference, total in expenses]


def _write(rows: list[list[str]]) -> str:
    return csv_text(rows)
