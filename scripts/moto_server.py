"""moto_server with DynamoDB requests made atomic, as DynamoDB's own are.

moto's server handles each request on a thread of its own, and its DynamoDB backend checks a
condition and then writes without a lock: two concurrent `TransactWriteItems` (or conditional
`PutItem`s) can both pass a condition that only one of them may pass on DynamoDB. The
conformance suites race writers on purpose (the subscription limit, one conversation per thread,
one lease per delivery), so on unpatched moto they fail now and then for a reason that is moto's,
not ours. Here every DynamoDB request runs under one lock: each request is then atomic and
isolated, which is what DynamoDB documents for a single-item write and a transaction. Other
services (SQS long polls above all) are untouched and stay concurrent.

Usage: python scripts/moto_server.py -H 127.0.0.1 -p PORT (the arguments of `moto_server`).
"""

import sys
import threading

from moto.dynamodb.responses import DynamoHandler
from moto.server import main

_LOCK = threading.Lock()
_call_action = DynamoHandler.call_action


def _atomic_call_action(self):  # type: ignore[no-untyped-def]
    with _LOCK:
        return _call_action(self)


DynamoHandler.call_action = _atomic_call_action  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main())
