"""What template.yaml must hold for the queues and their consumers, which cfn-lint and
`sam validate` do not check (issue #3):

- every work queue has a dead-letter queue (a redrive policy) and an alarm on that queue's depth;
- its visibility timeout is at least 6 times the timeout of every function that consumes it
  (AWS's advice for Lambda event sources: a message is never handed out again while a retried
  batch is still running);
- every SQS event source reports partial batch failures (`ReportBatchItemFailures`), so one bad
  message never fails its whole batch;
- the Zapier routes (`/api/zapier/...`) reach the API function without the JWT authorizer (Zapier
  sends an account API key, which the function checks), and every other `/api` route of it but
  the OpenAPI document has the authorizer;
- the actions queue lets a message be received more times than an outbound action is tried
  (`shared/domain/src/retry.rs`: each retry hands the message back with a wait, and SQS counts
  every receive against `maxReceiveCount`), with room for a few failures of the inbox itself;
- the functions that store ingested events and the API may `BatchGetItem` (moto checks no IAM).

Run by scripts/test.sh with the test virtualenv's Python (cfn-lint's loader reads the
template's short-form tags):  python infra/check_template.py template.yaml
"""

import pathlib
import re
import sys

from cfnlint.decode import decode

# Receives the actions queue must allow beyond the tries of the retry schedule (a dependency of
# the inbox failing: the queue's own retries).
SPARE_RECEIVES = 10


def action_tries():
    """The tries of an outbound action: the waits of `DEFAULT_WAITS_SECS`, plus the first try."""
    source = pathlib.Path(__file__).resolve().parent.parent / "shared/domain/src/retry.rs"
    m = re.search(r"DEFAULT_WAITS_SECS: \[u64; (\d+)\]", source.read_text())
    if not m:
        sys.exit(f"{source}: DEFAULT_WAITS_SECS not found")
    return int(m.group(1)) + 1


def ref_name(value):
    """The logical id a `!GetAtt X.Attr` (or `!Ref X`) names."""
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            return (target[0] if isinstance(target, list) else str(target).split(".")[0])
        if "Ref" in value:
            return value["Ref"]
    return None


def main(path):
    template, matches = decode(path)
    if matches:
        sys.exit(f"{path} does not load: {matches}")
    resources = template["Resources"]
    default_timeout = template.get("Globals", {}).get("Function", {}).get("Timeout", 3)
    problems = []

    queues = {k: r for k, r in resources.items() if r["Type"] == "AWS::SQS::Queue"}
    work_queues = {k: r for k, r in queues.items() if "RedrivePolicy" in r.get("Properties", {})}
    dead_letter_queues = {ref_name(r["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]): k for k, r in work_queues.items()}
    alarmed = {
        ref_name(d["Value"])
        for r in resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        for d in r["Properties"].get("Dimensions", [])
        if d.get("Name") == "QueueName"
    }

    consumers = {}
    for name, r in resources.items():
        if r["Type"] != "AWS::Serverless::Function":
            continue
        timeout = r["Properties"].get("Timeout", default_timeout)
        for event_name, event in r["Properties"].get("Events", {}).items():
            if event.get("Type") != "SQS":
                continue
            props = event.get("Properties", {})
            consumers.setdefault(ref_name(props.get("Queue")), []).append((name, timeout))
            if "ReportBatchItemFailures" not in props.get("FunctionResponseTypes", []):
                problems.append(f"{name}.{event_name}: SQS events must report partial batch failures (ReportBatchItemFailures)")

    # The table stream's event sources: a failed batch is split and retried a bounded number of
    # times, then set aside on a queue (a dead-letter queue like the others: alarmed).
    for name, r in resources.items():
        if r["Type"] != "AWS::Serverless::Function":
            continue
        for event_name, event in r["Properties"].get("Events", {}).items():
            if event.get("Type") != "DynamoDB":
                continue
            props = event.get("Properties", {})
            where = f"{name}.{event_name}"
            if not props.get("BisectBatchOnFunctionError"):
                problems.append(f"{where}: a stream event source without BisectBatchOnFunctionError (one bad record stops its shard)")
            if int(props.get("MaximumRetryAttempts", -1)) < 0:
                problems.append(f"{where}: a stream event source retrying forever (MaximumRetryAttempts) blocks its shard")
            target = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            if target is None:
                problems.append(f"{where}: a stream event source with no OnFailure destination loses a batch it gives up on")
            else:
                dead_letter_queues[ref_name(target)] = where
    fanout = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}).get("INBOX_FANOUT")
    view = resources.get("Table", {}).get("Properties", {}).get("StreamSpecification", {}).get("StreamViewType")
    if fanout == "stream" and view != "NEW_AND_OLD_IMAGES":
        problems.append(f"Table: INBOX_FANOUT is stream, so the table needs a NEW_AND_OLD_IMAGES stream (has {view})")
    # With the functions leaving the telling to the stream, something must read it: else every
    # notification and domain event is lost without a sound.
    stream_readers = [
        name
        for name, r in resources.items()
        if r["Type"] == "AWS::Serverless::Function"
        for event in r["Properties"].get("Events", {}).values()
        if event.get("Type") == "DynamoDB" and ref_name(event.get("Properties", {}).get("Stream")) == "Table"
    ]
    if fanout == "stream" and not stream_readers:
        problems.append("INBOX_FANOUT is stream, but no function reads the table's stream (the events would be lost)")
    for name, r in resources.items():
        if r["Type"] != "AWS::Serverless::Function":
            continue
        own = r["Properties"].get("Environment", {}).get("Variables", {}).get("INBOX_FANOUT")
        if own is not None and own != fanout:
            problems.append(f"{name}: INBOX_FANOUT {own} where the globals say {fanout}: every function must agree")

    for name in sorted(set(queues) - set(work_queues) - set(dead_letter_queues)):
        problems.append(f"{name}: a queue without a redrive policy that is no queue's dead-letter queue")
    for dlq, queue in sorted(dead_letter_queues.items()):
        if dlq not in queues:
            problems.append(f"{queue}: its dead-letter target {dlq} is not a queue of this template")
        if dlq not in alarmed:
            problems.append(f"{dlq}: no alarm on the depth of {queue}'s dead-letter queue")
    for queue, r in sorted(work_queues.items()):
        visibility = int(r["Properties"].get("VisibilityTimeout", 30))
        if queue not in consumers:
            problems.append(f"{queue}: no function consumes it")
        for function, timeout in consumers.get(queue, []):
            if visibility < 6 * int(timeout):
                problems.append(f"{queue}: visibility timeout {visibility} s is under 6 × {function}'s timeout ({timeout} s)")

    api = resources.get("ApiFunction", {}).get("Properties", {}).get("Events", {})
    routes = {
        (e["Properties"].get("Path"), e["Properties"].get("Method")): e["Properties"].get("Auth", {}).get("Authorizer", "Jwt")
        for e in api.values()
        if e.get("Type") == "HttpApi"
    }
    zapier = [(path, auth) for (path, _), auth in routes.items() if path and path.startswith("/api/zapier/")]
    if not zapier:
        problems.append("ApiFunction: no route of its own for /api/zapier/ (the JWT authorizer refuses Zapier's API keys)")
    for path, auth in zapier:
        if auth != "NONE":
            problems.append(f"ApiFunction {path}: Zapier's API keys need the route without the JWT authorizer (Authorizer: NONE)")
    for (path, _), auth in routes.items():
        open_paths = {"/api/openapi.json", "/api/unsubscribe"}
        if path and path.startswith("/api") and not path.startswith("/api/zapier/") and path not in open_paths and auth == "NONE":
            problems.append(f"ApiFunction {path}: an /api route without the JWT authorizer")

    actions = work_queues.get("ActionsQueue")
    if actions is None:
        problems.append("ActionsQueue: not in the template")
    else:
        receives = int(actions["Properties"]["RedrivePolicy"].get("maxReceiveCount", 0))
        told = resources.get("ActionsFunction", {}).get("Properties", {}).get("Environment", {}).get("Variables", {})
        if str(told.get("INBOX_ACTIONS_MAX_RECEIVES")) != str(receives):
            problems.append(
                f"ActionsFunction: INBOX_ACTIONS_MAX_RECEIVES ({told.get('INBOX_ACTIONS_MAX_RECEIVES')}) must be the actions "
                f"queue's maxReceiveCount ({receives}): on that delivery a failure fails the item"
            )
        needed = action_tries() + SPARE_RECEIVES
        if receives < needed:
            problems.append(
                f"ActionsQueue: maxReceiveCount {receives} would dead-letter an outbound action before its {action_tries()} tries "
                f"(needs at least {needed})"
            )

    # Stored secrets (network tokens, signing secrets, Salesforce credentials): the functions that
    # use them seal and open them with the token key; no other function may, and each one given
    # the key's id is granted it (and only it).
    # Each function's purposes: the network callers open network tokens; the integrations and
    # deliveries functions their own secrets only (never a network token); the API both.
    network, integration = "social-inbox network tokens", "social-inbox integration secrets"
    purposes = {
        "ApiFunction": {network, integration},
        "ActionsFunction": {network},
        "PollerFunction": {network},
        "IntegrationsFunction": {integration},
        "DeliveriesFunction": {integration},
    }
    callers = set(purposes)
    for name, r in resources.items():
        if r["Type"] != "AWS::Serverless::Function":
            continue
        props = r["Properties"]
        told = props.get("Environment", {}).get("Variables", {}).get("INBOX_TOKEN_KEY_ID")
        grants = [
            st
            for policy in props.get("Policies", [])
            if isinstance(policy, dict)
            for st in policy.get("Statement", [])
            if any(str(a).startswith("kms:") for a in (st.get("Action") if isinstance(st.get("Action"), list) else [st.get("Action")]))
        ]
        if name in callers:
            if ref_name(told) != "TokenKey":
                problems.append(f"{name}: uses stored secrets, so needs INBOX_TOKEN_KEY_ID: !Ref TokenKey")
            granted = set()
            for st in grants:
                if ref_name(st.get("Resource")) == "TokenKey":
                    value = st.get("Condition", {}).get("StringEquals", {}).get("kms:EncryptionContext:purpose", [])
                    granted |= set(value if isinstance(value, list) else [value])
            if granted != purposes[name]:
                problems.append(
                    f"{name}: may use TokenKey for {sorted(granted)}, but needs exactly {sorted(purposes[name])} (kms:EncryptionContext:purpose)"
                )
        elif told is not None or grants:
            problems.append(f"{name}: uses no stored secret, so must neither know nor be granted the token key")

    # Backpressure: every SQS event source has a maximum concurrency, the functions people and
    # networks wait on (webhooks, the API) have concurrency of their own, and webhook receipt is
    # short (a network gives up after a few seconds and, failing long enough, disables the hook).
    for name, r in resources.items():
        if r["Type"] != "AWS::Serverless::Function":
            continue
        props = r["Properties"]
        for event_name, event in props.get("Events", {}).items():
            if event.get("Type") == "SQS" and not event.get("Properties", {}).get("ScalingConfig", {}).get("MaximumConcurrency"):
                problems.append(f"{name}.{event_name}: an SQS event source without ScalingConfig.MaximumConcurrency")
    for name in ("WebhookFunction", "ApiFunction"):
        if "ReservedConcurrentExecutions" not in resources.get(name, {}).get("Properties", {}):
            problems.append(f"{name}: no ReservedConcurrentExecutions (a spike elsewhere could take all of the account's concurrency)")
    # The webhooks share no throttle with the user API: a function URL of their own, and no
    # route of the HTTP API.
    webhook = resources.get("WebhookFunction", {}).get("Properties", {})
    if webhook.get("FunctionUrlConfig", {}).get("AuthType") != "NONE":
        problems.append("WebhookFunction: no open FunctionUrlConfig (the networks would share the HTTP API's route throttle)")
    for event_name, event in webhook.get("Events", {}).items():
        if event.get("Type") == "HttpApi" and str(event.get("Properties", {}).get("Path", "")).startswith("/webhooks"):
            problems.append(f"WebhookFunction.{event_name}: webhooks on the HTTP API share its throttle with the user API")
    webhook_timeout = int(resources.get("WebhookFunction", {}).get("Properties", {}).get("Timeout", default_timeout))
    if webhook_timeout > 10:
        problems.append(f"WebhookFunction: timeout {webhook_timeout} s; webhook receipt must answer within seconds")

    # The functions that store ingested events (webhooks, polls) and the API read records in
    # batches (a thread's conversation by its derived id and by its older thread record at once;
    # a feed page's conversations): BatchGetItem must be granted, or DynamoDB refuses them on AWS
    # (moto does not check IAM, so no test on it would show it).
    for name in ("IngestFunction", "PollerFunction", "ApiFunction"):
        statements = [
            st
            for pol in resources.get(name, {}).get("Properties", {}).get("Policies", [])
            if isinstance(pol, dict)
            for st in pol.get("Statement", [])
        ]
        actions = {a for st in statements for a in (st.get("Action") if isinstance(st.get("Action"), list) else [st.get("Action")])}
        if "dynamodb:BatchGetItem" not in actions:
            problems.append(f"{name}: not granted dynamodb:BatchGetItem (it reads conversations in batches)")

    # Every function logs to a group of its own with a retention (not kept forever by default).
    log_groups = {k: r for k, r in resources.items() if r["Type"] == "AWS::Logs::LogGroup"}
    for name, r in resources.items():
        if r["Type"] != "AWS::Serverless::Function":
            continue
        group = ref_name(r["Properties"].get("LoggingConfig", {}).get("LogGroup"))
        if group not in log_groups:
            problems.append(f"{name}: no LoggingConfig.LogGroup of this template (its logs would be kept forever)")
        elif "RetentionInDays" not in log_groups[group].get("Properties", {}):
            problems.append(f"{group}: a log group without RetentionInDays")

    # Alarms must reach their topic: an encrypted topic's key must let CloudWatch use it.
    for name, r in resources.items():
        if r["Type"] != "AWS::SNS::Topic":
            continue
        key = r.get("Properties", {}).get("KmsMasterKeyId")
        if key is None:
            continue
        target = resources.get(ref_name(key) or "", {})
        statements = target.get("Properties", {}).get("KeyPolicy", {}).get("Statement", [])
        cloudwatch = any(
            st.get("Effect") == "Allow" and st.get("Principal", {}).get("Service") == "cloudwatch.amazonaws.com" for st in statements
        )
        if target.get("Type") != "AWS::KMS::Key" or not cloudwatch:
            problems.append(f"{name}: encrypted with a key CloudWatch may not use ({key}): its alarms would never arrive")

    if problems:
        sys.exit("template.yaml:\n  " + "\n  ".join(problems))
    print(
        f"template.yaml: {len(work_queues)} queues with dead-letter queues and alarms; visibility ≥ 6 × consumer timeout; "
        "partial batch failures on every SQS event; Zapier routes without the JWT authorizer, the rest of /api with it; "
        "the actions queue outlasts the retry schedule; only the functions that use stored secrets may use the token key; every function's logs kept for a set time; alarms can reach their topic; SQS sources capped, webhooks and API reserved; webhooks on their own function URL; batch reads granted where made"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
