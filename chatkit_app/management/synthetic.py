"""Synthetic trip-planning conversations, for benchmarks: threads, their items, replies and feedback as rows.

Rows are what the store and the reply records would have written: items carry the
ChatKit JSON the SDK dumps (checked against it in the tests) and their search text;
each turn is a user message, sometimes an itinerary card, and the assistant's
answer (none when the reply failed), with one `Reply` for it. Everything follows
from one `random.Random`, so a seed gives the same rows; times count back from `end`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chatkit_app.models import Feedback, Item, Reply, Thread
from chatkit_app.runs.usage import cost

PREFIX = "thr_seed"  # seeded threads' ids start with it, and nobody else's do
SPREAD = timedelta(days=120)  # last activity falls anywhere in this span before `end`

CITIES = [
    ("Lisbon", "Portugal"), ("Porto", "Portugal"), ("Madrid", "Spain"), ("Seville", "Spain"), ("Barcelona", "Spain"),
    ("Paris", "France"), ("Lyon", "France"), ("Nice", "France"), ("Rome", "Italy"), ("Florence", "Italy"),
    ("Venice", "Italy"), ("Naples", "Italy"), ("Berlin", "Germany"), ("Munich", "Germany"), ("Vienna", "Austria"),
    ("Prague", "Czechia"), ("Budapest", "Hungary"), ("Krakow", "Poland"), ("Amsterdam", "Netherlands"),
    ("Copenhagen", "Denmark"), ("Stockholm", "Sweden"), ("Oslo", "Norway"), ("Tromsø", "Norway"),
    ("Reykjavik", "Iceland"), ("Dublin", "Ireland"), ("Edinburgh", "United Kingdom"), ("London", "United Kingdom"),
    ("Athens", "Greece"), ("Istanbul", "Türkiye"), ("Marrakesh", "Morocco"), ("Cairo", "Egypt"),
    ("Cape Town", "South Africa"), ("Nairobi", "Kenya"), ("Dubai", "United Arab Emirates"), ("Mumbai", "India"),
    ("Jaipur", "India"), ("Bangkok", "Thailand"), ("Chiang Mai", "Thailand"), ("Hanoi", "Vietnam"),
    ("Singapore", "Singapore"), ("Bali", "Indonesia"), ("Tokyo", "Japan"), ("Kyoto", "Japan"), ("Osaka", "Japan"),
    ("Seoul", "South Korea"), ("Taipei", "Taiwan"), ("Sydney", "Australia"), ("Melbourne", "Australia"),
    ("Queenstown", "New Zealand"), ("Vancouver", "Canada"), ("Montreal", "Canada"), ("New York", "United States"),
    ("San Francisco", "United States"), ("New Orleans", "United States"), ("Mexico City", "Mexico"),
    ("Oaxaca", "Mexico"), ("Havana", "Cuba"), ("Cusco", "Peru"), ("Buenos Aires", "Argentina"),
    ("Rio de Janeiro", "Brazil"),
]  # fmt: skip
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip
SIGHTS = ["the old town", "the cathedral", "the central market", "the harbour", "the botanical garden",
          "the castle", "the modern art museum", "the riverside walk", "a cooking class", "the night market",
          "a day hike", "the hot springs", "a food tour", "the viewpoint at sunset", "the history museum"]  # fmt: skip
ASKS = [
    "Plan a {days}-day trip to {city} in {month}.",
    "I'm going to {city} for {days} days in {month}, what should I see?",
    "Can you make day {day} less busy?",
    "Add a day trip from {city}, please.",
    "What's the weather usually like in {city} in {month}?",
    "Is {sight} worth it?",
    "Make it cheaper, we're on a budget.",
    "Are there public holidays while we're in {city}?",
    "When does the sun set in {city} then?",
    "Swap day {day} and day {other}.",
]
RARE_ASKS = [  # a few turns each in a thousand: what an operator searches for
    "My flight was cancelled, can I get a refund for the hotel?",
    "The itinerary you gave me had the museum closed on Monday, that ruined our day.",
    "Can you book the tickets for me?",
]
ANSWERS = [
    "Here is a **{days}-day plan for {city}** in {month}:\n\n- Day 1: {sight}\n- Day 2: {sight2}\n\nSunrise is "
    "early, so start the mornings outside.",
    "Day {day} is lighter now: just {sight}, then a long lunch. The rest of the plan stays as it was.",
    "In {month} {city} is usually mild; pack a light jacket for the evenings.",
    "I added a day trip: take the morning train and be back for dinner. See the card for the new day.",
    "Yes, {sight} is worth it: go early to avoid the queues, it takes about two hours.",
    "I swapped the two days and kept the bookings' order. Anything else to change?",
    "There is one public holiday during your stay; some museums close, so I moved {sight} to another day.",
]
# (model, offline, weight). gpt-4.1 and gpt-4.1-mini are priced at list prices unless MERAK_MODEL_PRICES prices them.
MODELS = [("gpt-4.1-mini", False, 60), ("gpt-4.1", False, 15), ("merak-offline-planner", True, 15),
          ("llama-3.1-8b-instruct", False, 10)]  # fmt: skip
SAMPLE_PRICES = {
    "gpt-4.1-mini": {"input": 0.4, "cached": 0.1, "output": 1.6},
    "gpt-4.1": {"input": 2.0, "cached": 0.5, "output": 8.0},
}
OUTCOMES = [("done", 920), ("cancelled", 20), ("stopped", 25), ("failed", 25), ("expired", 5), ("shutdown", 5)]


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")  # as pydantic dumps a UTC time without microseconds


@dataclass
class Batch:
    """The rows of some threads (feedback is stamped when inserted: see `seed_threads`)."""

    threads: list[Thread] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)


class Conversations:
    """Makes threads one after another from `rng`: thread n gets id PREFIX + n."""

    def __init__(self, rng: random.Random, *, end: datetime, items_per_thread: int, users: int) -> None:
        self.rng, self.end, self.items_per_thread, self.users = rng, end.replace(microsecond=0), items_per_thread, users

    def batch(self, first: int, count: int) -> Batch:
        batch = Batch()
        for n in range(first, first + count):
            self._thread(n, batch)
        return batch

    def _thread(self, n: int, batch: Batch) -> None:
        rng = self.rng
        city, country = rng.choice(CITIES)
        days, month = rng.randint(2, 7), rng.choice(MONTHS)
        words = {"city": city, "days": days, "month": month}
        thread_id, user_id = f"{PREFIX}{n:07d}", f"seed-user-{rng.randrange(self.users):05d}"
        size = rng.randint(max(2, self.items_per_thread // 2), max(2, self.items_per_thread * 3 // 2))
        model, offline = self._model()
        turns, offset, t = [], timedelta(0), 0
        while size > 0:  # each turn: (offset, has a card, has an answer, outcome); `size` items in all
            # A last lone message is one whose reply failed; a card fills a turn of three.
            outcome = rng.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0] if size > 1 else "failed"
            answered = outcome != "failed"
            card = answered and (size == 3 or (size >= 5 and rng.random() < (0.6 if t == 0 else 0.15)))
            turns.append((offset, card, answered, outcome))
            size -= 1 + card + answered
            later = rng.random() < 0.08  # back days later, or the next minutes
            offset += timedelta(seconds=round(rng.uniform(86_400, 20 * 86_400) if later else rng.uniform(60, 360)))
            t += 1
        start = (self.end - turns[-1][0] - timedelta(minutes=1) - rng.random() * SPREAD).replace(microsecond=0)
        title = rng.choice([f"{days} days in {city}", f"{city} in {month}", f"Weekend in {city}", f"Trip to {city}"])
        batch.threads.append(
            Thread(
                thread_id=thread_id,
                user_id=user_id,
                title=title,
                status="active",
                created_at=start,
                data={
                    "title": title,
                    "id": thread_id,
                    "created_at": _stamp(start),
                    "status": {"type": "active"},
                    "allowed_image_domains": None,
                    "metadata": {},
                },
            )
        )
        for t, (turn_offset, card, answered, outcome) in enumerate(turns):
            at = start + turn_offset
            words.update(day=rng.randint(1, days), other=rng.randint(1, days), sight=rng.choice(SIGHTS))
            words.update(sight2=rng.choice(SIGHTS))
            ask = rng.choice(RARE_ASKS) if rng.random() < 0.003 else (ASKS[0] if t == 0 else rng.choice(ASKS))
            items = [self._item(thread_id, user_id, f"msg_{n:07d}u{t}", at, "user_message", ask.format(**words))]
            if card:
                widget = self._card(city, country, days, month)
                items.append(self._item(thread_id, user_id, f"wgt_{n:07d}c{t}", at + timedelta(seconds=4), **widget))
            if answered:
                answer = rng.choice(ANSWERS).format(**words)
                at_answer = at + timedelta(seconds=9)
                items.append(self._item(thread_id, user_id, f"msg_{n:07d}a{t}", at_answer, "assistant_message", answer))
                if rng.random() < 0.06:
                    kind = Feedback.Kind.NEGATIVE if rng.random() < 0.35 else Feedback.Kind.POSITIVE
                    batch.feedback.append(Feedback(item=items[-1], user_id=user_id, kind=kind))
            batch.items += items
            if rng.random() < 0.03:  # the thread moves to another model mid-way
                model, offline = self._model()
            batch.replies.append(
                self._reply(thread_id, user_id, t, at, items[-1] if answered else None, model, offline, outcome)
            )

    def _model(self) -> tuple[str, bool]:
        model, offline, _ = self.rng.choices(MODELS, [w for *_, w in MODELS])[0]
        return model, offline

    def _item(
        self,
        thread_id: str,
        user_id: str,
        item_id: str,
        at: datetime,
        type: str,
        text: str = "",
        widget: dict | None = None,
        copy_text: str = "",
    ) -> Item:
        data: dict = {"id": item_id, "thread_id": thread_id, "created_at": _stamp(at), "type": type}
        if type == "user_message":
            data |= {
                "content": [{"type": "input_text", "text": text}],
                "attachments": [],
                "quoted_text": None,
                "inference_options": {"tool_choice": None, "model": None},
            }
        elif type == "assistant_message":
            data |= {"content": [{"annotations": [], "text": text, "type": "output_text"}]}
        else:
            data |= {"widget": widget, "copy_text": copy_text}
        return Item(
            thread_id=thread_id, item_id=item_id, user_id=user_id, type=type, created_at=at, data=data, text=text
        )

    def _card(self, city: str, country: str, days: int, month: str) -> dict:
        """An itinerary card shaped like the planner's (`agents_app.widgets`): a heading, a row a day, buttons."""
        rng = self.rng

        def text(kind: str, value: str, **style: object) -> dict:
            return {"type": kind, "value": value, **style}

        def day(d: int) -> dict:
            daylight = f"Sunrise 0{rng.randint(5, 7)}:{rng.randint(10, 59)} · Sunset {rng.randint(17, 21)}:00"
            when = {"type": "Col", "width": 96, "children": [text("Text", f"Day {d}", size="sm", weight="semibold")]}
            what = [text("Text", f"{city} — {rng.choice(SIGHTS)}", size="sm"), text("Caption", daylight)]
            return {"type": "Row", "key": f"day-{d}", "gap": 3, "children": [when, {"type": "Col", "children": what}]}

        def button(action: str, label: str) -> dict:
            click = {"type": action, "payload": {"days": days}, "handler": "server", "loadingBehavior": "container"}
            return {"type": "Button", "label": label, "variant": "outline", "size": "sm", "onClickAction": click}

        heading = [text("Title", f"{days} days in {city}", size="md"), text("Caption", f"{country} · {month}")]
        buttons = [button("itinerary.add_day", "Add a day"), button("itinerary.cheaper", "Make it cheaper")]
        children = [{"type": "Col", "gap": 1, "children": heading}, {"type": "Divider", "spacing": 2}]
        children += [day(d) for d in range(1, days + 1)] + [{"type": "Row", "gap": 2, "children": buttons}]
        widget = {"type": "Card", "key": "itinerary", "size": "md", "children": children}
        return {"type": "widget", "widget": widget, "copy_text": f"{days} days in {city}, {country}"}

    def _reply(
        self,
        thread_id: str,
        user_id: str,
        turn: int,
        at: datetime,
        answer: Item | None,
        model: str,
        offline: bool,
        outcome: str,
    ) -> Reply:
        rng = self.rng
        input_tokens = (300 if offline else 900) + 350 * turn + rng.randrange(200)
        cached = 0 if turn == 0 or offline else int(input_tokens * rng.uniform(0.3, 0.8))
        output_tokens = rng.randrange(40, 700) if outcome != "failed" else 0
        tool_calls = rng.choice([0, 0, 1, 2, 3])
        return Reply(
            thread_id=thread_id,
            user_id=user_id,
            item_id=answer.item_id if answer else "",
            request_type="threads.create" if turn == 0 else "threads.add_user_message",
            model=model,
            offline=offline,
            input_tokens=input_tokens,
            cached_tokens=cached,
            output_tokens=output_tokens,
            requests=1 + (tool_calls > 0),
            tool_calls=tool_calls,
            first_token_ms=None if outcome == "failed" else rng.randrange(250, 1800),
            total_ms=rng.randrange(1500, 12000),
            outcome=outcome,
            error_code="model_error" if outcome == "failed" else "",
            cost=cost(model, input_tokens, cached, output_tokens),
            started_at=at,
        )
