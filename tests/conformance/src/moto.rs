//! moto, the AWS stand-in the AWS side of the suites runs on: where it is, and the resources
//! each test makes for itself (a table, queues with their dead-letter queues, a verified SES
//! identity), named uniquely so that tests never share state.

use aws_sdk_sqs::types::QueueAttributeName;
use inbox_domain::messages::QueueName;
use std::collections::HashMap;

/// moto's address, from `MOTO_ENDPOINT`. Panics with what to do when it is not set or moto
/// does not answer: a test that needs moto never passes without it.
pub async fn endpoint() -> String {
    static CHECKED: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    CHECKED.get_or_init(check).await.clone()
}

async fn check() -> String {
    let Ok(url) = std::env::var("MOTO_ENDPOINT") else {
        panic!(
            "MOTO_ENDPOINT is not set: these tests run the AWS adapters against moto. Run scripts/test.sh (it starts \
             moto_server), or start `python scripts/moto_server.py -p 5000` (pip install 'moto[server]') and export MOTO_ENDPOINT=http://127.0.0.1:5000"
        )
    };
    let url = url.trim_end_matches('/').to_string();
    let probe = reqwest::Client::new().get(format!("{url}/moto-api/")).timeout(std::time::Duration::from_secs(30)).send().await;
    if let Err(e) = probe {
        panic!("moto is not reachable at MOTO_ENDPOINT={url} ({e}): start moto_server there, or run scripts/test.sh");
    }
    url
}

/// A name no other test uses.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// The SDK configuration for moto (static test credentials, us-east-1).
pub async fn sdk_config() -> aws_config::SdkConfig {
    inbox_aws::sdk_config_for(&endpoint().await, "us-east-1").await
}

/// A fresh table with the production schema.
pub async fn table(config: &aws_config::SdkConfig) -> (aws_sdk_dynamodb::Client, String) {
    let client = aws_sdk_dynamodb::Client::new(config);
    let name = unique("inbox");
    inbox_aws::schema::create_table(&client, &name).await.expect("create the table on moto");
    (client, name)
}

/// Fresh queues, one per queue name, each with a dead-letter queue after `max_receives`
/// deliveries. Returns the queue URLs and the dead-letter queue URLs.
pub async fn queues(
    config: &aws_config::SdkConfig,
    max_receives: u32,
) -> (aws_sdk_sqs::Client, HashMap<QueueName, String>, HashMap<QueueName, String>) {
    let client = aws_sdk_sqs::Client::new(config);
    let (mut urls, mut dlqs) = (HashMap::new(), HashMap::new());
    for q in QueueName::ALL {
        let dlq = client.create_queue().queue_name(unique(&format!("{}-dlq", q.as_str()))).send().await.expect("create a DLQ on moto");
        let dlq_url = dlq.queue_url.expect("queue url");
        let arn = client
            .get_queue_attributes()
            .queue_url(&dlq_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("DLQ arn")
            .attributes
            .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
            .expect("queue arn");
        let redrive = serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": max_receives}).to_string();
        let main = client
            .create_queue()
            .queue_name(unique(q.as_str()))
            .attributes(QueueAttributeName::RedrivePolicy, redrive)
            .attributes(QueueAttributeName::VisibilityTimeout, "30")
            .send()
            .await
            .expect("create a queue on moto");
        urls.insert(q, main.queue_url.expect("queue url"));
        dlqs.insert(q, dlq_url);
    }
    (client, urls, dlqs)
}

/// Every message on a queue now, received (with its attributes) and deleted, ten at a time
/// until a receive finds none; waiting up to `wait_secs` for each receive.
pub async fn drain(sqs: &aws_sdk_sqs::Client, url: &str, wait_secs: i32) -> Vec<aws_sdk_sqs::types::Message> {
    let mut out = Vec::new();
    loop {
        let got = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(wait_secs)
            .message_attribute_names("All")
            .visibility_timeout(43_200)
            .send()
            .await
            .expect("receive from moto");
        let messages = got.messages.unwrap_or_default();
        if messages.is_empty() {
            return out;
        }
        let entries: Vec<_> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| {
                aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(m.receipt_handle.clone().unwrap_or_default())
                    .build()
                    .expect("entry")
            })
            .collect();
        sqs.delete_message_batch().queue_url(url).set_entries(Some(entries)).send().await.expect("delete from moto");
        out.extend(messages);
    }
}

/// Every message on a queue now, received and deleted, as JSON (its body decoded as the SQS
/// adapter encoded it).
pub async fn take_json(sqs: &aws_sdk_sqs::Client, url: &str) -> Vec<serde_json::Value> {
    drain(sqs, url, 1)
        .await
        .into_iter()
        .map(|m| {
            let encoding = m
                .message_attributes
                .as_ref()
                .and_then(|a| a.get(inbox_aws::sqs::ENCODING_ATTRIBUTE))
                .and_then(|v| v.string_value.as_deref());
            let body = inbox_aws::sqs::decode_body(m.body.as_deref().unwrap_or_default(), encoding).expect("a body");
            serde_json::from_slice(&body).expect("JSON")
        })
        .collect()
}

/// A fresh sender address, verified in SES (moto refuses unverified senders).
pub async fn identity(config: &aws_config::SdkConfig) -> (aws_sdk_sesv2::Client, String) {
    let client = aws_sdk_sesv2::Client::new(config);
    let from = format!("{}@conformance.example", unique("inbox"));
    client.create_email_identity().email_identity(&from).send().await.expect("create an SES identity on moto");
    (client, from)
}

/// An email moto recorded.
#[derive(Debug, Clone)]
pub struct RecordedEmail {
    pub from: String,
    pub to: Vec<String>,
    /// The whole message as SES was given it (raw content).
    pub raw: String,
}

/// Every email moto's SES recorded as sent from `from` (`GET /moto-api/data.json`, `ses`).
pub async fn emails_from(from: &str) -> Vec<RecordedEmail> {
    let url = format!("{}/moto-api/data.json", endpoint().await);
    let data: serde_json::Value = reqwest::get(&url).await.expect("moto data").json().await.expect("moto data is JSON");
    data["ses"]["RawMessage"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["source"].as_str() == Some(from))
        .map(|m| RecordedEmail {
            from: from.to_string(),
            to: m["destinations"].as_array().into_iter().flatten().filter_map(|a| a.as_str().map(str::to_string)).collect(),
            raw: m["raw_data"].as_str().unwrap_or_default().to_string(),
        })
        .collect()
}

/// A table's stream on moto, read as Lambda's event source reads it, through DynamoDB Streams'
/// own API (`DescribeStream`, `GetShardIterator`, `GetRecords`), from its start.
pub struct StreamReader {
    http: reqwest::Client,
    endpoint: String,
    iterators: Vec<String>,
}

impl StreamReader {
    /// Opens the stream of `table` at its oldest record (`TRIM_HORIZON`), every shard.
    pub async fn open(client: &aws_sdk_dynamodb::Client, table: &str) -> Self {
        let d = client.describe_table().table_name(table).send().await.expect("describe the table");
        let arn = d.table().and_then(|t| t.latest_stream_arn()).expect("the table has a stream").to_string();
        let mut reader = StreamReader { http: reqwest::Client::new(), endpoint: endpoint().await, iterators: vec![] };
        let described = streams(&reader.http, &reader.endpoint, "DescribeStream", serde_json::json!({"StreamArn": arn})).await;
        for shard in described["StreamDescription"]["Shards"].as_array().into_iter().flatten() {
            let at = serde_json::json!({"StreamArn": arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"});
            let it = streams(&reader.http, &reader.endpoint, "GetShardIterator", at).await;
            reader.iterators.push(it["ShardIterator"].as_str().expect("an iterator").to_string());
        }
        reader
    }

    /// The records written since the last read, as the Lambda event's JSON (`{"Records": …}`).
    pub async fn next(&mut self) -> serde_json::Value {
        let mut all = Vec::new();
        for it in &mut self.iterators {
            loop {
                let got = streams(&self.http, &self.endpoint, "GetRecords", serde_json::json!({"ShardIterator": it.clone()})).await;
                let records = got["Records"].as_array().cloned().unwrap_or_default();
                if let Some(next) = got["NextShardIterator"].as_str() {
                    *it = next.to_string();
                }
                if records.is_empty() {
                    break;
                }
                all.extend(records);
            }
        }
        serde_json::json!({ "Records": all })
    }
}

/// One call of DynamoDB Streams' API on moto (which checks no signature).
async fn streams(http: &reqwest::Client, endpoint: &str, action: &str, body: serde_json::Value) -> serde_json::Value {
    let res = http
        .post(format!("{endpoint}/"))
        .header("X-Amz-Target", format!("DynamoDBStreams_20120810.{action}"))
        .header("Content-Type", "application/x-amz-json-1.0")
        .header(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00",
        )
        .json(&body)
        .send()
        .await
        .expect("moto answers");
    assert!(res.status().is_success(), "{action}: {}", res.status());
    res.json().await.expect("JSON")
}
