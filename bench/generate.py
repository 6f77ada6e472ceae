"""A seeded generator of realistic shop histories of any size, in business-time order.

    python bench/generate.py 100000 > history.jsonl      # records; seed with --seed

Orders have 1 to 3 lines and are dispatched the same day or late; most are
delivered; about 10% get a return or exchange (every reason and finding,
now and then a refused freight-collect parcel or a request after the window);
about 5% get a neutral or negative review; SKUs are restocked weekly. Every
record is accepted when the history is appended in order. Memory stays flat:
only the next fortnight of pending records is held.
"""
from __future__ import annotations

import argparse
import heapq
import itertools
import json
import random
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

CST = timezone(timedelta(hours=8))
START = datetime(2026, 1, 1, tzinfo=CST)
RETURN_REASONS = ["no_reason", "colour_difference", "quality", "wrong_item"]
EXCHANGE_REASONS = ["size", "colour", "style", *RETURN_REASONS]
FINDINGS = ["quality_confirmed", "wrong_item_confirmed", "no_fault", "buyer_damage"]
MINUTE = timedelta(minutes=1)


class Shop:
    def __init__(self, seed: int, skus: int = 200, late_requests: bool = True):
        self.rng = random.Random(seed)
        self.request_days = 8.5 if late_requests else 4  # 4 days after delivery is inside the window whatever
        self.prices = {f"SKU-{i:04d}": f"{self.rng.choice([12, 29, 59, 79, 89, 129, 199])}.00" for i in range(skus)}
        self.skus = list(self.prices)
        self.tie = itertools.count()

    def rec(self, type_: str, at: datetime, role: str, actor: str, **fields) -> tuple:
        return (at, next(self.tie), {"type": type_, "at": at.isoformat(), "actor": actor, "role": role, **fields})

    def order(self, n: int, placed: datetime) -> list[tuple]:
        rng, rec = self.rng, self.rec
        o, s = f"O-{n}", f"S-{n}"
        lines = {sku: rng.randint(1, 3) for sku in rng.sample(self.skus, rng.choice([1, 1, 1, 2, 2, 3]))}
        fee = rng.choice(["0.00", "6.00", "8.00", "10.00"])
        out = [rec("OrderPlaced", placed, "system", "platform", order_id=o, customer_id=f"CU-{rng.randrange(n + 1)}",
                   lines=[{"sku": k, "quantity": q, "unit_price": self.prices[k]} for k, q in lines.items()],
                   shipping_fee=fee, address=f"上海市徐汇区漕溪北路{n}号", phone=f"1{n % 10**10:010d}",
                   payment=rng.choice(["online", "online", "bank_transfer"]))]
        if rng.random() < 0.93:
            out.append(rec("AddressConfirmed", placed + 5 * MINUTE, "customer_service", "lily", order_id=o))
        late = rng.random() < 0.08
        if late and rng.random() < 0.5:
            out.append(rec("DispatchDelayNotified", placed + 2 * timedelta(hours=1), "customer_service", "lily",
                           order_id=o, reason="缺货,明天发"))
        if rng.random() < 0.02:
            out.append(rec("OrderCancelled", placed + 30 * MINUTE, "customer_service", "lily", order_id=o,
                           reason="buyer cancelled"))
            return out
        dispatched = placed + timedelta(hours=rng.uniform(0.5, 4) + (30 if late else 0))
        out.append(rec("ParcelDispatched", dispatched, "shipping_clerk", "wang", shipment_id=s, order_id=o,
                       carrier="SF", tracking_no=f"SF{n:09d}", postage="8.00",
                       lines=[{"sku": k, "quantity": q} for k, q in lines.items()]))
        if rng.random() < 0.1:
            return out  # never confirmed delivered
        delivered = dispatched + timedelta(hours=rng.uniform(20, 70))
        out.append(rec("ParcelDelivered", delivered, "system", "carrier-feed", shipment_id=s))
        if rng.random() < 0.10:
            out += self.case(n, o, lines, delivered)
        if rng.random() < 0.05:
            out += self.review(n, o, delivered)
        elif rng.random() < 0.02:
            out.append(rec("ReviewPosted", delivered + timedelta(hours=30), "system", "platform",
                           dispute_id=f"D-{n}", order_id=o, rating="positive", text="很好 / great"))
        return out

    def case(self, n: int, o: str, lines: dict[str, int], delivered: datetime) -> list[tuple]:
        rng, rec = self.rng, self.rec
        c = f"C-{n}"
        kind = rng.choice(["return", "exchange"])
        reason = rng.choice(RETURN_REASONS if kind == "return" else EXCHANGE_REASONS)
        sku = rng.choice(list(lines))
        quantity = rng.randint(1, lines[sku])
        requested = delivered + timedelta(days=rng.uniform(0.2, self.request_days))  # some after the window
        out = [rec("ReturnRequested", requested, "customer_service", "lily", case_id=c, order_id=o, kind=kind,
                   reason=reason, lines=[{"sku": sku, "quantity": quantity}])]
        if requested > delivered + timedelta(days=7):
            return out  # rejected: the case takes nothing more
        at = requested + timedelta(days=rng.uniform(1, 3))
        if rng.random() < 0.05:
            out.append(rec("ReturnParcelReceived", at, "shipping_clerk", "wang", case_id=c, tracking_no=f"DF{n:06d}",
                           method="freight_collect", postage="15.00"))
            at += timedelta(days=2)
        out.append(rec("ReturnParcelReceived", at, "shipping_clerk", "wang", case_id=c, tracking_no=f"YT{n:06d}",
                       method="express", postage=rng.choice(["8.00", "10.00", "12.00"])))
        finding = rng.choice(FINDINGS)
        at += timedelta(hours=2)
        out.append(rec("ReturnInspected", at, "shipping_clerk", "wang", case_id=c, finding=finding))
        value = int(float(self.prices[sku])) * quantity
        if finding == "buyer_damage":
            at += timedelta(hours=20)
            refund = f"{value // 2}.00" if kind == "return" else None
            out.append(rec("SupervisorRuled", at, "supervisor", "zhao", case_id=c, note="人为损坏,协商处理",
                           payer=rng.choice(["buyer", "shop"]), **({"refund": refund} if refund else {})))
            if refund:
                out.append(rec("RefundIssued", at + timedelta(hours=1), "supervisor", "zhao", case_id=c,
                               amount=refund))
        elif kind == "return":
            out.append(rec("RefundIssued", at + timedelta(hours=3), "supervisor", "zhao", case_id=c,
                           amount=f"{value}.00"))
        if kind == "exchange":
            if rng.random() < 0.1:
                out.append(rec("ExchangeDelayNotified", at + timedelta(hours=5), "customer_service", "lily",
                               case_id=c, reason="补货中"))
            out.append(rec("ParcelDispatched", at + timedelta(hours=rng.uniform(4, 60)), "shipping_clerk", "wang",
                           shipment_id=f"R-{n}", case_id=c, carrier="SF", tracking_no=f"SR{n:09d}",
                           postage="9.00", lines=[{"sku": rng.choice(self.skus), "quantity": quantity}]))
        return out

    def review(self, n: int, o: str, delivered: datetime) -> list[tuple]:
        rng, rec = self.rng, self.rec
        d = f"D-{n}"
        at = delivered + timedelta(hours=rng.uniform(5, 48))
        out = [rec("ReviewPosted", at, "system", "platform", dispute_id=d, order_id=o,
                   rating=rng.choice(["neutral", "negative"]), text="不太满意 / not happy")]
        at += timedelta(hours=rng.uniform(1, 30))
        out.append(rec("BuyerContacted", at, "customer_service", "lily", dispute_id=d, channel="phone",
                       note="called the buyer"))
        out.append(rec("ResolutionOffered", at + 10 * MINUTE, "customer_service", "lily", dispute_id=d,
                       offer=rng.choice(["exchange", "return", "explanation"])))
        at += timedelta(hours=rng.uniform(2, 60))
        if rng.random() < 0.7:
            out.append(rec("DisputeSettled", at, "customer_service", "lily", dispute_id=d,
                           outcome=rng.choice(["review_revised", "buyer_satisfied"])))
        else:
            out.append(rec("NegotiationFailed", at, "customer_service", "lily", dispute_id=d, note="报告主管"))
        return out


def generate(records: int, seed: int = 1, orders_per_day: int = 300, late_requests: bool = True) -> Iterator[dict]:
    """`records` records of a shop taking about `orders_per_day` orders a day, in `at` order.

    Without `late_requests`, every return is asked for well inside its window, so that the
    decisions do not depend on whether its delivery was appended before it (concurrency tests).
    """
    shop = Shop(seed, late_requests=late_requests)
    pending: list[tuple] = []
    emitted, n = 0, 0
    for day in itertools.count():
        midnight = START + timedelta(days=day)
        if day % 7 == 0:
            for sku in shop.skus:
                heapq.heappush(pending, shop.rec("StockReceived", midnight + timedelta(hours=7), "shipping_clerk",
                                                 "wang", sku=sku, quantity=orders_per_day * 2))
        for _ in range(orders_per_day):
            n += 1
            placed = midnight + timedelta(hours=shop.rng.uniform(7, 23.5))
            for item in shop.order(n, placed):
                heapq.heappush(pending, item)
        next_midnight = midnight + timedelta(days=1)
        while pending and pending[0][0] < next_midnight:
            yield heapq.heappop(pending)[2]
            emitted += 1
            if emitted == records:
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", type=int)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    out = sys.stdout
    for record in generate(args.records, args.seed):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
