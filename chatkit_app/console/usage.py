"""The usage dashboard's figures: what replies cost and how they went over a period, and what users thought.

Four queries whatever the number of replies, each bounded by `started_at` so
it walks the `reply_started` index: one pass over the period's replies grouped
by day, model and outcome (a few hundred groups, folded here into the per-day,
per-model and per-outcome figures), one grouped by user, the latest runs that
did not finish, and the feedback given in the period.
Days are those of the current time zone (settings.TIME_ZONE). Offline replies
count words, not tokens: their counts stay out of the token totals and show
only in the per-model figures, marked. Costs add up priced replies; the
unpriced ones are counted, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from chatkit_app.models import Feedback, Reply

ZERO = Decimal(0)
# Runs that ended without their answer, as an operator looks for them.
UNFINISHED = [
    Reply.Outcome.CANCELLED,
    Reply.Outcome.STOPPED,
    Reply.Outcome.SHUTDOWN,
    Reply.Outcome.EXPIRED,
    Reply.Outcome.FAILED,
]


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: date
    end: date

    @classmethod
    def last(cls, days: int, today: date) -> Period:
        return cls(today - timedelta(days=days - 1), today)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """Midnight of the first day and of the day after the last, in the current time zone."""
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )


@dataclass
class Totals:
    """Replies and what they used: tokens of online models only, cost of priced replies only."""

    replies: int = 0
    input_tokens: int = 0  # cached ones included, as models report them
    cached_tokens: int = 0
    output_tokens: int = 0
    cost: Decimal = ZERO
    unpriced: int = 0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def add(self, other: Totals) -> None:
        self.replies += other.replies
        self.input_tokens += other.input_tokens
        self.cached_tokens += other.cached_tokens
        self.output_tokens += other.output_tokens
        self.cost += other.cost
        self.unpriced += other.unpriced

    @property
    def cost_usd(self) -> str:
        return usd(self.cost)


@dataclass
class Day(Totals):
    day: date = date.min


@dataclass
class UserTotals(Totals):
    user_id: str = ""


@dataclass
class ModelTotals(Totals):
    model: str = ""
    offline: bool = False  # then its "tokens" are words


@dataclass(frozen=True)
class FeedbackCounts:
    positive: int
    negative: int

    @property
    def total(self) -> int:
        return self.positive + self.negative

    @property
    def positive_share(self) -> float | None:
        """The share of 👍 among all feedback; None without any."""
        return self.positive / self.total if self.total else None


@dataclass(frozen=True)
class UnfinishedRun:
    started_at: datetime
    user_id: str
    model: str
    outcome: str
    error_code: str
    thread_id: str
    thread_pk: int
    thread_title: str


@dataclass
class Figures:
    period: Period
    days: list[Day]
    totals: Totals
    users: list[UserTotals]
    models: list[ModelTotals]
    outcomes: dict[str, int]  # every outcome, zero included
    unfinished: list[UnfinishedRun]  # the latest runs that ended without their answer
    feedback: FeedbackCounts

    @property
    def unfinished_count(self) -> int:
        return sum(self.outcomes[outcome] for outcome in UNFINISHED)


def usd(value: Decimal) -> str:
    """A cost as an operator reads it: cents from a dollar up, else four significant digits (to a millionth)."""
    places = 2 if value >= 1 or not value else min(6, max(2, 3 - value.adjusted()))
    whole, fraction = f"{value:,.{places}f}".split(".")
    return f"${whole}.{fraction.rstrip('0').ljust(2, '0')}"


def _sums() -> dict[str, Any]:
    # Named apart from the columns: a name that is also a column would turn later references into the sum.
    online = Q(offline=False)
    return {
        "n_replies": Count("id"),
        "sum_input": Coalesce(Sum("input_tokens", filter=online), 0),
        "sum_cached": Coalesce(Sum("cached_tokens", filter=online), 0),
        "sum_output": Coalesce(Sum("output_tokens", filter=online), 0),
        "sum_cost": Sum("cost"),
        "n_unpriced": Count("id", filter=Q(cost__isnull=True)),
    }


def _totals(row: dict[str, Any], keep: tuple[str, ...]) -> dict[str, Any]:
    """A group's sums as `Totals` fields, with the columns to `keep` of those it was grouped by."""
    return {
        **{name: row[name] for name in keep},
        "replies": row["n_replies"],
        "input_tokens": row["sum_input"],
        "cached_tokens": row["sum_cached"],
        "output_tokens": row["sum_output"],
        "cost": row["sum_cost"] or ZERO,
        "unpriced": row["n_unpriced"],
    }


def figures(period: Period, top_users: int = 10, latest: int = 10) -> Figures:
    """Everything the dashboard shows for `period`: four queries, whatever the number of replies."""
    start, end = period.bounds
    # Rows of annotated groups, which django-stubs cannot follow through `annotate(**sums)`.
    replies: QuerySet[Any, Any] = Reply.objects.filter(started_at__gte=start, started_at__lt=end).order_by()

    per_day = {day: Day(day=day) for day in period.days}
    per_model: dict[tuple[str, bool], ModelTotals] = {}
    outcomes = dict.fromkeys(Reply.Outcome.values, 0)
    groups = replies.annotate(day=TruncDate("started_at")).values("day", "model", "offline", "outcome")
    for row in groups.annotate(**_sums()):
        group = Totals(**_totals(row, keep=()))
        per_day[row["day"]].add(group)
        model = per_model.setdefault(
            (row["model"], row["offline"]), ModelTotals(model=row["model"], offline=row["offline"])
        )
        model.add(group)
        outcomes[row["outcome"]] = outcomes.get(row["outcome"], 0) + group.replies
    days = list(per_day.values())
    totals = Totals()
    for day in days:
        totals.add(day)

    # The heaviest users first: by tokens, then (offline, or on a tie) by replies.
    tokens = Coalesce(Sum(F("input_tokens") + F("output_tokens"), filter=Q(offline=False)), 0)
    users = [
        UserTotals(**_totals(row, keep=("user_id",)))
        for row in replies.values("user_id")
        .annotate(**_sums(), rank=tokens)
        .order_by("-rank", "-n_replies", "user_id")
        .values("user_id", *_sums())[:top_users]
    ]
    unfinished = [
        UnfinishedRun(**row)
        for row in replies.filter(outcome__in=UNFINISHED)
        .order_by("-started_at", "-id")
        .values(
            "started_at",
            "user_id",
            "model",
            "outcome",
            "error_code",
            "thread_id",
            thread_pk=F("thread__seq"),
            thread_title=F("thread__title"),
        )[:latest]
    ]
    feedback = Feedback.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        positive=Count("id", filter=Q(kind=Feedback.Kind.POSITIVE)),
        negative=Count("id", filter=Q(kind=Feedback.Kind.NEGATIVE)),
    )
    return Figures(
        period=period,
        days=days,
        totals=totals,
        users=users,
        models=sorted(per_model.values(), key=lambda m: (-m.replies, m.model, m.offline)),
        outcomes=outcomes,
        unfinished=unfinished,
        feedback=FeedbackCounts(**feedback),
    )
