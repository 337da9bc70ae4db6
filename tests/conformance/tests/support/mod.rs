//! What the moto end-to-end test and the scale scenario share: API Gateway events into a
//! function's router, and each function's configuration as `template.yaml` gives it.
#![allow(dead_code)] // each includer uses its own part

use inbox_domain::messages::QueueName;
use inbox_lambda::runtime::lambda_http;
use serde_json::{Value, json};
use tower::ServiceExt;

/// An API Gateway HTTP API (payload 2.0) event, with the authorizer's claims when given.
pub fn gateway_event(method: &str, path: &str, headers: Value, body: Option<&str>, claims: Option<Value>) -> lambda_http::Request {
    let mut context = json!({
        "accountId": "123456789012",
        "apiId": "e2e",
        "domainName": "e2e.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "e2e",
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "e2e"},
        "requestId": uuid::Uuid::new_v4().to_string(),
        "routeKey": "$default",
        "stage": "$default",
        "time": "26/Nov/2026:00:00:00 +0000",
        "timeEpoch": 1795651200000u64
    });
    if let Some(c) = claims {
        context["authorizer"] = json!({"jwt": {"claims": c, "scopes": null}});
    }
    let event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": false
    });
    lambda_http::request::from_str(&event.to_string()).expect("an API Gateway v2 event")
}

pub async fn call(app: &axum::Router, req: lambda_http::Request) -> (u16, Value) {
    let res = app.clone().oneshot(req).await.expect("infallible");
    let status = res.status().as_u16();
    let bytes = http_body_util::BodyExt::collect(res.into_body()).await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The `INBOX_QUEUE_*` variables `template.yaml` gives `function`, with the queues' moto URLs.
/// The lines of one resource of `template.yaml`.
pub fn template_block(function: &str) -> Vec<String> {
    let template = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml")).expect("template.yaml");
    let header = format!("  {function}:");
    let block: Vec<String> = template
        .lines()
        .skip_while(|l| *l != header)
        .skip(1)
        // The resource ends where the next one (two spaces, then a name) or section begins.
        .take_while(|l| l.is_empty() || l.starts_with("   "))
        .map(str::to_string)
        .collect();
    assert!(!block.is_empty(), "{function} is not in template.yaml");
    block
}

pub fn template_queues(function: &str, urls: &std::collections::HashMap<QueueName, String>) -> Vec<(String, String)> {
    let block = template_block(function);
    let mut out = Vec::new();
    for line in block.iter().map(|l| l.trim()) {
        let Some((var, value)) = line.split_once(": !Ref ") else { continue };
        let Some(name) = var.strip_prefix("INBOX_QUEUE_") else { continue };
        let queue = match name {
            "INGEST" => QueueName::Ingest,
            "ACTIONS" => QueueName::Actions,
            "NOTIFY" => QueueName::Notify,
            "EVENTS" => QueueName::Events,
            other => panic!("{function}: unknown queue variable INBOX_QUEUE_{other}"),
        };
        let expected = format!("{}{}Queue", &name[..1], name[1..].to_lowercase());
        assert_eq!(value.trim(), expected, "{function}: {line}");
        // Given a queue, the function may send to it (IAM), and the other way round; or, for
        // the queue it consumes, hand a message back with a wait (ChangeMessageVisibility).
        let policy = format!("QueueName: !GetAtt {expected}.QueueName");
        let consumed = block.iter().any(|l| l.trim() == format!("Queue: !GetAtt {expected}.Arn"))
            && block.iter().any(|l| l.trim() == "Action: [sqs:ChangeMessageVisibility]")
            && block.iter().any(|l| l.trim() == format!("Resource: !GetAtt {expected}.Arn"));
        assert!(
            consumed || block.iter().any(|l| l.trim() == policy),
            "{function} has {var} but neither an SQSSendMessagePolicy for {expected} nor consumes it with ChangeMessageVisibility"
        );
        out.push((var.to_string(), urls[&queue].clone()));
    }
    for line in block.iter().map(|l| l.trim()).filter(|l| l.starts_with("QueueName: !GetAtt ")) {
        assert!(
            out.iter().any(|(var, _)| line.contains(&format!("{}{}Queue", &var[12..13], var[13..].to_lowercase()))),
            "{function}: {line} without its INBOX_QUEUE_ variable"
        );
    }
    out
}

/// Puts each `(name, value)` under `root` in moto's SSM Parameter Store as a SecureString, as
/// a deployment keeps the functions' secrets.
pub async fn put_secrets(sdk: &aws_config::SdkConfig, root: &str, secrets: &[(&str, &str)]) {
    let ssm = aws_sdk_ssm::Client::new(sdk);
    for (name, value) in secrets {
        ssm.put_parameter()
            .name(format!("{root}/{name}"))
            .value(*value)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .send()
            .await
            .expect("put a parameter on moto");
    }
}
