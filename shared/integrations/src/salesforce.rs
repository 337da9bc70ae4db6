//! [`HttpSalesforceClient`]: Salesforce's REST API with the OAuth refresh-token flow.
//!
//! - Refresh: `POST <token_url>` form `grant_type=refresh_token&refresh_token&client_id&client_secret`.
//! - Create: `POST <instance>/services/data/v62.0/sobjects/Case/` with Subject, Description,
//!   Origin, Status, Priority, SuppliedName; or, with an external id field, an upsert
//!   `PATCH <instance>/services/data/v62.0/sobjects/Case/<field>/<conversation id>`, which makes
//!   a retried creation find the Case made before.
//! - A 401 (`INVALID_SESSION_ID`) refreshes the token once and retries once.
//!
//! Tokens go in the `Authorization` header or the form body only, never in a URL, a log line
//! or an error's words. Requests go through the egress policy (the instance URL is typed by an
//! admin).

use crate::egress::{EgressPolicy, guarded_client, refusal};
use async_trait::async_trait;
use inbox_domain::SecretString;
use inbox_domain::ports::{CaseAttempt, CaseError, SalesforceClient};
use inbox_domain::salesforce::{API_VERSION, CaseRequest, SalesforceConnection};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

pub struct HttpSalesforceClient {
    client: reqwest::Client,
    policy: Arc<EgressPolicy>,
}

impl HttpSalesforceClient {
    pub fn new(policy: Arc<EgressPolicy>, timeout: Duration) -> Result<Self, String> {
        Ok(Self { client: guarded_client(policy.clone(), timeout)?, policy })
    }

    async fn guard(&self, url: &str) -> Result<(), CaseError> {
        self.policy.check_url(url, false).await.map_err(|why| CaseError::Rejected(format!("the inbox may not reach {url}: {why}")))
    }
}

fn transport(e: reqwest::Error) -> CaseError {
    match refusal(&e) {
        Some(why) => CaseError::Rejected(format!("the inbox may not reach Salesforce there: {why}")),
        None if e.is_timeout() => CaseError::Unavailable("Salesforce did not answer in time".into()),
        None if e.is_connect() => CaseError::Unavailable("could not connect to Salesforce".into()),
        None => CaseError::Unavailable(format!("the call to Salesforce failed: {}", e.without_url())),
    }
}

/// Salesforce's error list (`[{"message","errorCode"}]`) in words.
fn describe_errors(status: u16, body: &[u8]) -> String {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let list: Vec<String> = match &v {
        Value::Array(errs) => errs
            .iter()
            .filter_map(|e| {
                let msg = e["message"].as_str()?;
                Some(match e["errorCode"].as_str() {
                    Some(code) => format!("{msg} ({code})"),
                    None => msg.to_string(),
                })
            })
            .collect(),
        Value::Object(_) => v["error_description"].as_str().or(v["error"].as_str()).map(|m| vec![m.to_string()]).unwrap_or_default(),
        _ => vec![],
    };
    if list.is_empty() { format!("Salesforce answered {status}") } else { list.join("; ") }
}

/// Either a response or why there was none.
enum Answer {
    Created(String),
    SessionExpired(String),
    Failed(CaseError),
}

impl HttpSalesforceClient {
    async fn post_case(&self, conn: &SalesforceConnection, token: &SecretString, case: &CaseRequest) -> Answer {
        let base = format!("{}/services/data/{API_VERSION}/sobjects/Case", conn.instance_url.trim_end_matches('/'));
        let mut body = json!({
            "Subject": case.subject,
            "Description": case.description,
            "Origin": case.origin,
            "Status": "New",
            "Priority": "Medium",
            "SuppliedName": case.supplied_name,
        });
        let request = match &conn.external_id_field {
            Some(field) => {
                // Upsert by external id: the id goes in the path, not in the body.
                let _ = body.as_object_mut().map(|b| b.remove(field));
                self.client.patch(format!("{base}/{field}/{}", inbox_domain::percent_encode(case.conversation_id.as_str())))
            }
            None => self.client.post(format!("{base}/")),
        };
        if let Err(e) = self.guard(&base).await {
            return Answer::Failed(e);
        }
        let mut auth = match reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.expose())) {
            Ok(v) => v,
            Err(_) => return Answer::SessionExpired("the stored access token is not a valid header".into()),
        };
        auth.set_sensitive(true);
        let response = match request.header(reqwest::header::AUTHORIZATION, auth).json(&body).send().await {
            Ok(r) => r,
            Err(e) => return Answer::Failed(transport(e)),
        };
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        tracing::debug!(status, "Salesforce case call");
        match status {
            200 | 201 => {
                let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                match v["id"].as_str() {
                    Some(id) if !id.is_empty() => Answer::Created(id.to_string()),
                    _ => Answer::Failed(CaseError::Unavailable(format!("Salesforce answered {status} without a Case id"))),
                }
            }
            401 => Answer::SessionExpired(describe_errors(status, &bytes)),
            300 => Answer::Failed(CaseError::Rejected(format!(
                "several Cases have this conversation's id in {}; keep one",
                conn.external_id_field.as_deref().unwrap_or("the external id field")
            ))),
            500..=599 => Answer::Failed(CaseError::Unavailable(describe_errors(status, &bytes))),
            _ => Answer::Failed(CaseError::Rejected(describe_errors(status, &bytes))),
        }
    }
}

#[async_trait]
impl SalesforceClient for HttpSalesforceClient {
    async fn refresh(&self, conn: &SalesforceConnection) -> Result<SecretString, CaseError> {
        self.guard(&conn.token_url).await?;
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", conn.refresh_token.expose()),
            ("client_id", conn.client_id.as_str()),
            ("client_secret", conn.client_secret.expose()),
        ];
        let response = self.client.post(&conn.token_url).form(&form).send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        tracing::debug!(status, "Salesforce token refresh");
        match status {
            200 => {
                let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                v["access_token"]
                    .as_str()
                    .filter(|t| !t.is_empty())
                    .map(SecretString::new)
                    .ok_or_else(|| CaseError::Unavailable("Salesforce's token answer has no access_token".into()))
            }
            400 | 401 | 403 => Err(CaseError::Auth(describe_errors(status, &bytes))),
            500..=599 => Err(CaseError::Unavailable(describe_errors(status, &bytes))),
            _ => Err(CaseError::Rejected(describe_errors(status, &bytes))),
        }
    }

    async fn create_case(&self, conn: &SalesforceConnection, case: &CaseRequest) -> CaseAttempt {
        let mut refreshed = None;
        let token = match &conn.access_token {
            Some(t) => t.clone(),
            None => match self.refresh(conn).await {
                Ok(t) => {
                    refreshed = Some(t.clone());
                    t
                }
                Err(e) => return CaseAttempt { result: Err(e), refreshed_token: None },
            },
        };
        let result = match self.post_case(conn, &token, case).await {
            Answer::Created(id) => Ok(id),
            Answer::Failed(e) => Err(e),
            Answer::SessionExpired(_) if refreshed.is_some() => {
                Err(CaseError::Auth("Salesforce refused a token it had just issued (INVALID_SESSION_ID)".into()))
            }
            Answer::SessionExpired(_) => match self.refresh(conn).await {
                Err(e) => Err(e),
                Ok(t) => {
                    refreshed = Some(t.clone());
                    match self.post_case(conn, &t, case).await {
                        Answer::Created(id) => Ok(id),
                        Answer::Failed(e) => Err(e),
                        Answer::SessionExpired(why) => Err(CaseError::Auth(why)),
                    }
                }
            },
        };
        CaseAttempt { result, refreshed_token: refreshed }
    }
}
