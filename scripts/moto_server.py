"""moto_server with DynamoDB requests made atomic, as DynamoDB's own are, and throttled per
partition key for the requests that ask for it.

moto's server handles each request on a thread of its own, and its DynamoDB backend checks a
condition and then writes without a lock: two concurrent `TransactWriteItems` (or conditional
`PutItem`s) can both pass a condition that only one of them may pass on DynamoDB. The
conformance suites race writers on purpose (the subscription limit, one conversation per thread,
one lease per delivery), so on unpatched moto they fail now and then for a reason that is moto's,
not ours. Here every DynamoDB request runs under one lock: each request is then atomic and
isolated, which is what DynamoDB documents for a single-item write and a transaction. Other
services (SQS long polls above all) are untouched and stay concurrent.

moto rolls a failed transaction back by restoring a deep copy of every table it names, taken
before each `TransactWriteItems`: the cost of a transaction grows with the table (a scale
scenario's tables hold tens of thousands of records, and the copies filled this machine's
memory). Here a transaction keeps copies of the records it names only, and puts them back (with
the table's stream as it was) when it is cancelled: the same outcome, at the cost of its own
records.

moto also answers every Query by sorting the whole table and filtering it: a query of one
partition costs as much as a scan, so a scenario that stores tens of thousands of records slows
down quadratically. Here a query of the table reads its own partition only, and a query of an
index filters the table without sorting it first (moto sorts what matched).

Requests with an `x-inbox-sim` header also meet DynamoDB's per-partition-key limits
(`dynamo_throttle.py`, beside this file): the scale scenarios send it, other tests do not.

Usage: python scripts/moto_server.py -H 127.0.0.1 -p PORT (the arguments of `moto_server`).
"""

import copy
import os
import sys
import threading
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dynamo_throttle  # noqa: E402
import moto.dynamodb.models as dynamodb_models  # noqa: E402
from moto.dynamodb.models import DynamoDBBackend  # noqa: E402
from moto.dynamodb.models.table import Table  # noqa: E402
from moto.dynamodb.responses import DynamoHandler  # noqa: E402
from moto.server import main  # noqa: E402

_LOCK = threading.Lock()
_call_action = DynamoHandler.call_action


def _atomic_call_action(self):  # type: ignore[no-untyped-def]
    with _LOCK:
        refused, charge = dynamo_throttle.before(self)
        if refused is not None:
            return refused
        return dynamo_throttle.after(self, charge, _call_action(self))


DynamoHandler.call_action = _atomic_call_action  # type: ignore[method-assign]


class _TablesByReference:
    """The `copy` module as moto's backend sees it: its whole-table copy is the table itself
    (the transaction below keeps what it needs to roll back)."""

    copy = staticmethod(copy.copy)

    @staticmethod
    def deepcopy(x: Any, memo: Any = None) -> Any:
        return x if isinstance(x, Table) else copy.deepcopy(x, memo)


dynamodb_models.copy = _TablesByReference  # type: ignore[attr-defined]
_transact_write_items = DynamoDBBackend.transact_write_items


def _transact_rolling_back_its_records(self, transact_items):  # type: ignore[no-untyped-def]
    saved = []
    streams = {}
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = self.tables.get(op.get("TableName"))
        if table is None:
            continue
        key = op.get("Key") or {k: v for k, v in op.get("Item", {}).items() if k in (table.hash_key_attr, table.range_key_attr)}
        try:
            hash_key, range_key = self.get_keys_value(table, key)
        except Exception:  # moto answers a malformed key itself
            continue
        item = table.get_item(hash_key, range_key)
        saved.append((table, hash_key, range_key, copy.deepcopy(item) if item is not None else None))
        if table.stream_shard is not None:
            streams.setdefault(id(table), (table.stream_shard, len(table.stream_shard.items)))
    try:
        return _transact_write_items(self, transact_items)
    except Exception:
        for table, hash_key, range_key, item in reversed(saved):
            if range_key is not None:
                if item is None:
                    table.items[hash_key].pop(range_key, None)
                    if not table.items[hash_key]:
                        table.items.pop(hash_key, None)
                else:
                    table.items[hash_key][range_key] = item
            elif item is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = item
        for shard, length in streams.values():
            del shard.items[length:]
        raise


DynamoDBBackend.transact_write_items = _transact_rolling_back_its_records  # type: ignore[method-assign]

_all_items = Table.all_items
_query = Table.query


def _scoped_all_items(self):  # type: ignore[no-untyped-def]
    scope = getattr(self, "_inbox_scope", None)
    return _all_items(self) if scope is None else scope


def _query_what_can_match(self, hash_key, *args, **kwargs):  # type: ignore[no-untyped-def]
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    if index_name is None and hash_key is not None:
        part = self.items.get(hash_key)  # .get: `items` is a defaultdict
        records = [] if part is None else (list(part.values()) if self.range_key_attr else [part])
        self._inbox_scope = sorted(records, key=lambda x: (x.hash_key, x.range_key) if x.range_key else x.hash_key)
    elif index_name is not None:
        self._inbox_scope = [r for part in self.items.values() for r in (part.values() if self.range_key_attr else [part])]
    try:
        return _query(self, hash_key, *args, **kwargs)
    finally:
        self._inbox_scope = None


Table.all_items = _scoped_all_items  # type: ignore[method-assign]
Table.query = _query_what_can_match  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main())
