"""DynamoDB's per-partition throughput limits, enforced in front of moto's DynamoDB.

moto never throttles, so on moto an adapter that writes one partition key 5,000 times a second
looks fine; on DynamoDB that key takes 1,000 write units a second (3,000 read units), however
the table is billed, and a key whose sort key always rises is never split to take more. This
module charges every request its capacity units, on every partition key it lands on (the
table's, and each global index's whose key the old or new record carries), from token buckets
that refill at those limits, and answers as DynamoDB does when a bucket is empty:

- a single request: HTTP 400 `ProvisionedThroughputExceededException` with `ThrottlingReasons`
  (`TableWriteKeyRangeThroughputExceeded`, `IndexReadKeyRangeThroughputExceeded`, ...), which
  the AWS SDKs retry with backoff;
- a transaction: `TransactionCanceledException` whose reason for the throttled action is
  `ThrottlingError` (`None` for the others), which the SDKs do not retry;
- a `BatchGetItem`: the throttled keys come back in `UnprocessedKeys` (the whole call fails only
  when every key is throttled).

A request is admitted while every bucket it touches has tokens left, then charged what it cost
(as DynamoDB does: it cannot know a read's size before reading), so a bucket may go into debt
and stays closed until the refill has paid it back. Units follow on-demand billing: a write 1 per
KB of the larger of the old and new record (twice in a transaction), a strongly consistent read
1 per 4 KB (half when eventually consistent; index reads always are), a query the total size it
returned, an index write 1 per record entering, leaving or changing in the index.

Only requests that carry the `x-inbox-sim` header are throttled (every other test on the same
moto is untouched). The header says when the request happens and at which limits:
`t=<seconds>;w=<write units per key per second>;r=<read units per key per second>`. `t` is the
scenario's simulated clock, so a run can be slower than real time and still be throttled as
the real thing would be at its simulated rate; `w` and `r` default to DynamoDB's 1,000 and 3,000.

Each scenario uses a table of its own, so buckets never carry over from one run to the next.
The client counts what was throttled (the SDK sees every refusal, retries included).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

WRITE_UNITS_PER_KEY = 1000.0
READ_UNITS_PER_KEY = 3000.0
# A bucket holds at most one second of its rate (DynamoDB keeps no more burst per partition
# than that for a key that is hot for more than a moment).
BURST_SECONDS = 1.0

_ERROR = "com.amazonaws.dynamodb.v20120810#"


class Bucket:
    __slots__ = ("tokens", "at")

    def __init__(self, rate: float, at: float) -> None:
        self.tokens = rate * BURST_SECONDS
        self.at = at

    def refill(self, rate: float, t: float) -> None:
        # Requests of concurrent invocations arrive a little out of simulated order: time only
        # moves forwards for a bucket.
        if t > self.at:
            self.tokens = min(rate * BURST_SECONDS, self.tokens + (t - self.at) * rate)
            self.at = t


class Throttle:
    def __init__(self) -> None:
        self.buckets: dict[tuple[str, str, str, str], Bucket] = {}

    # -- the request's clock and limits

    @staticmethod
    def header(handler: Any) -> dict[str, float] | None:
        raw = handler.headers.get("x-inbox-sim") if handler.headers else None
        if not raw:
            return None
        out = {"t": 0.0, "w": WRITE_UNITS_PER_KEY, "r": READ_UNITS_PER_KEY}
        for part in raw.split(";"):
            k, _, v = part.partition("=")
            if k.strip() in out:
                out[k.strip()] = float(v)
        return out

    def bucket(self, kind: str, place: str, key: str, sim: dict[str, float]) -> Bucket:
        rate = sim["w"] if kind == "w" else sim["r"]
        b = self.buckets.get((kind, place, key, ""))
        if b is None:
            b = self.buckets[(kind, place, key, "")] = Bucket(rate, sim["t"])
        b.refill(rate, sim["t"])
        return b

    def open(self, kind: str, place: str, key: str, sim: dict[str, float]) -> bool:
        return self.bucket(kind, place, key, sim).tokens > 0

    def charge(self, kind: str, place: str, key: str, units: float, sim: dict[str, float]) -> None:
        self.bucket(kind, place, key, sim).tokens -= units



THROTTLE = Throttle()


# -- what a request touches


def _size(attrs: dict[str, Any] | None) -> int:
    """An item's size by DynamoDB's rules (names plus values)."""
    return sum(len(k.encode()) + _value_size(v) for k, v in (attrs or {}).items())


def _value_size(v: dict[str, Any]) -> int:
    (t, x), = v.items()
    if t == "S":
        return len(x.encode())
    if t == "N":
        digits = len(x.lstrip("-").replace(".", "").lstrip("0")) or 1
        return (digits + 1) // 2 + 1
    if t == "B":
        return math.ceil(len(x) * 3 / 4)
    if t in ("BOOL", "NULL"):
        return 1
    if t == "L":
        return 3 + sum(1 + _value_size(e) for e in x)
    if t == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(e) for k, e in x.items())
    if t in ("SS", "NS", "BS"):
        return sum(_value_size({t[0]: e}) for e in x)
    return 0


def _string(v: dict[str, Any] | None) -> str | None:
    if not v:
        return None
    (_, x), = v.items()
    return str(x)


class Write:
    """One written record: its table, key, the record before, the request's new attributes."""

    def __init__(self, backend: Any, table: str, key: dict[str, Any], put: dict[str, Any] | None, factor: int) -> None:
        self.table, self.key, self.put, self.factor = table, key, put, factor
        try:
            old = backend.get_item(table, key)
        except Exception:  # an unknown table: moto answers it, we charge nothing
            old = None
        self.old = old.to_json()["Attributes"] if old else None
        try:
            self.indexes = [(i.name, [k["AttributeName"] for k in i.schema]) for i in backend.get_table(table).global_indexes]
        except Exception:
            self.indexes = []

    def touched(self) -> list[tuple[str, str, str]]:
        """The write buckets it lands on, known before it runs."""
        out = [("w", self.table, _string(self.key.get("pk")) or "")]
        for name, keys in self.indexes:
            for rec in (self.old, self.put):
                k = _string((rec or {}).get(keys[0]))
                if k is not None and ("w", f"{self.table}/{name}", k) not in out:
                    out.append(("w", f"{self.table}/{name}", k))
        return out

    def charge(self, backend: Any, sim: dict[str, float]) -> None:
        try:
            new = backend.get_item(self.table, self.key)
        except Exception:
            return
        new = new.to_json()["Attributes"] if new else None
        units = self.factor * max(1, math.ceil(max(_size(self.old), _size(new)) / 1024))
        THROTTLE.charge("w", self.table, _string(self.key.get("pk")) or "", units, sim)
        for name, keys in self.indexes:
            before = tuple(_string((self.old or {}).get(k)) for k in keys)
            after = tuple(_string((new or {}).get(k)) for k in keys)
            if before == after and self.old == new:
                continue
            for pk in {before[0], after[0]} - {None}:
                THROTTLE.charge("w", f"{self.table}/{name}", pk, 1, sim)


_KEY_CONDITION = re.compile(r"^\s*\(?\s*(#?\w+)\s*=\s*(:\w+)")


def _query_key(body: dict[str, Any]) -> str:
    m = _KEY_CONDITION.match(body.get("KeyConditionExpression", ""))
    if not m:
        return ""
    value = body.get("ExpressionAttributeValues", {}).get(m.group(2))
    return _string(value) or ""


class Request:
    """What one DynamoDB request reads and writes."""

    def __init__(self, handler: Any, action: str, body: dict[str, Any]) -> None:
        self.action, self.body = action, body
        backend = handler.dynamodb_backend
        self.writes: list[Write] = []
        # (bucket kind, place, key) read, with the consistency factor
        self.reads: list[tuple[str, str, float]] = []
        if action == "PutItem":
            key = {k: v for k, v in body["Item"].items() if k in ("pk", "sk")}
            self.writes.append(Write(backend, body["TableName"], key, body["Item"], 1))
        elif action in ("UpdateItem", "DeleteItem"):
            self.writes.append(Write(backend, body["TableName"], body["Key"], None, 1))
        elif action == "TransactWriteItems":
            for t in body.get("TransactItems", []):
                (kind, op), = t.items()
                put = op.get("Item") if kind == "Put" else None
                key = op.get("Key") or {k: v for k, v in (put or {}).items() if k in ("pk", "sk")}
                self.writes.append(Write(backend, op["TableName"], key, put, 2))
        elif action in ("GetItem", "Query"):
            factor = 1.0 if body.get("ConsistentRead") and not body.get("IndexName") else 0.5
            place = body["TableName"] + (f"/{body['IndexName']}" if body.get("IndexName") else "")
            key = _string(body["Key"].get("pk")) if action == "GetItem" else _query_key(body)
            self.reads.append((place, key or "", factor))

    def touched(self) -> list[tuple[str, str, str]]:
        out = [("r", place, key) for place, key, _ in self.reads]
        for w in self.writes:
            out.extend(w.touched())
        return out


def _error(kind: str, message: str, reasons: list[dict[str, str]] | None = None, **extra: Any) -> tuple[int, dict[str, str], str]:
    body: dict[str, Any] = {"__type": _ERROR + kind, "message": message}
    if reasons is not None:
        body["ThrottlingReasons"] = reasons
    body.update(extra)
    return 400, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(body)


def _reason(kind: str, place: str) -> dict[str, str]:
    table, _, index = place.partition("/")
    arn = f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}" + (f"/index/{index}" if index else "")
    what = "Index" if index else "Table"
    op = "Write" if kind == "w" else "Read"
    return {"reason": f"{what}{op}KeyRangeThroughputExceeded", "resource": arn}


def before(handler: Any) -> tuple[Any, Any]:
    """Throttles the request (returns its answer) or admits it (returns what to charge)."""
    sim = Throttle.header(handler)
    if sim is None:
        return None, None
    action = handler.get_endpoint_name(handler.headers) or ""
    try:
        body = json.loads(handler.body or "{}")
    except (TypeError, ValueError):
        return None, None
    if action == "BatchGetItem":
        return _batch_get(handler, body, sim)
    req = Request(handler, action, body)
    if action == "TransactWriteItems":
        codes = ["ThrottlingError" if any(not THROTTLE.open(*b, sim) for b in w.touched()) else "None" for w in req.writes]
        if "ThrottlingError" in codes:
            reasons = [
                {"Code": c, "Message": "Throughput exceeds the current capacity of your table or index."} if c != "None" else {"Code": "None"}
                for c in codes
            ]
            return (
                _error(
                    "TransactionCanceledException",
                    f"Transaction cancelled, please refer cancellation reasons for specific reasons [{', '.join(codes)}]",
                    CancellationReasons=reasons,
                ),
                None,
            )
        return None, (req, sim)
    closed = [b for b in req.touched() if not THROTTLE.open(*b, sim)]
    if closed:
        return (
            _error(
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded."
                if "/" in closed[0][1]
                else "Throughput exceeds the current capacity of your table or index.",
                [_reason(k, place) for k, place, _ in closed],
            ),
            None,
        )
    return None, (req, sim)


def _batch_get(handler: Any, body: dict[str, Any], sim: dict[str, float]) -> tuple[Any, Any]:
    unprocessed: dict[str, Any] = {}
    admitted = 0
    for table, spec in list(body.get("RequestItems", {}).items()):
        keep = []
        for key in spec.get("Keys", []):
            b = ("r", table, _string(key.get("pk")) or "")
            if THROTTLE.open(*b, sim):
                keep.append(key)
                admitted += 1
            else:
                unprocessed.setdefault(table, {k: v for k, v in spec.items() if k != "Keys"}).setdefault("Keys", []).append(key)
        spec["Keys"] = keep
    if unprocessed and admitted == 0:
        table = next(iter(unprocessed))
        return _error("ProvisionedThroughputExceededException", "Throughput exceeds the current capacity of your table or index.",
                      [_reason("r", table)]), None
    if unprocessed:
        # moto reads the keys that are left; the throttled ones go back to the caller.
        left = {t: s for t, s in body["RequestItems"].items() if s["Keys"]}
        handler.body = json.dumps({**body, "RequestItems": left})
        params = getattr(handler, "params", None)
        if isinstance(params, dict) and "RequestItems" in params:
            params["RequestItems"] = {
                # moto's parsed keys may or may not keep their types: either matches
                t: {**s, "Keys": [k for k in s.get("Keys", []) if k in left[t]["Keys"] or k in _plain_keys(left.get(t))]}
                for t, s in params["RequestItems"].items()
                if t in left
            }
    return None, ("batch", sim, unprocessed, factor_of(body))


def _plain_keys(spec: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The keys of a batch, as moto's parsed parameters hold them (values without their types)."""
    return [{k: next(iter(v.values())) for k, v in key.items()} for key in (spec or {}).get("Keys", [])]


def factor_of(body: dict[str, Any]) -> dict[str, float]:
    return {t: (1.0 if s.get("ConsistentRead") else 0.5) for t, s in body.get("RequestItems", {}).items()}


def after(handler: Any, charge: Any, response: Any) -> Any:
    """Charges an admitted request what it cost; gives a batch its unprocessed keys."""
    if charge is None:
        return response
    status, headers, text = response
    if isinstance(charge, tuple) and charge and charge[0] == "batch":
        _, sim, unprocessed, factors = charge
        if status != 200:
            return response
        out = json.loads(text)
        for table, items in out.get("Responses", {}).items():
            for item in items:
                THROTTLE.charge("r", table, _string(item.get("pk")) or "", factors.get(table, 0.5) * max(1, math.ceil(_size(item) / 4096)), sim)
        if unprocessed:
            out.setdefault("UnprocessedKeys", {}).update(unprocessed)
            text = json.dumps(out)
            headers = {k: v for k, v in headers.items() if k.lower() not in ("x-amz-crc32", "content-length")}
        return status, headers, text
    req, sim = charge
    backend = handler.dynamodb_backend
    for w in req.writes:
        # A write whose condition failed is charged as one that succeeded (the record is
        # unchanged, so old and new are the same size).
        w.charge(backend, sim)
    if req.reads and status == 200:
        out = json.loads(text) if isinstance(text, str) else {}
        size = sum(_size(i) for i in out.get("Items", [])) if req.action == "Query" else _size(out.get("Item"))
        for place, key, factor in req.reads:
            THROTTLE.charge("r", place, key, factor * max(1, math.ceil(size / 4096)), sim)
    return response
