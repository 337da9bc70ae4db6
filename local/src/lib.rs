//! The local runner: the whole inbox on one machine. It serves the same router the Lambda
//! functions serve and runs the same handlers as the ingest, notifier and actions functions,
//! on the embedded adapters (SQLite, local queues, `.eml` outbox).

pub mod anyhow_lite;
pub mod config;
pub mod demo;
pub mod platform;
pub mod sim_token;
pub mod simulator;
pub mod web;
pub mod workers;

use axum::Router;
use config::Config;
use inbox_domain::messages::QueueName;
use inbox_domain::ports::{Clock, SystemClock};
use inbox_domain::usecases::Deps;
use inbox_sqlite::{Db, DbConfig, OutboxMailer, SqliteQueue, SqliteStore};
use inbox_web::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The whole HTTP surface, with the layers every deployment puts around it.
pub fn http_router(state: AppState) -> Router {
    inbox_web::app::app(Router::new().merge(fn_webhook::router()).merge(fn_api::router()), state)
}

type Networks = (
    Arc<dyn inbox_domain::ports::PlatformClient>,
    Arc<dyn inbox_domain::ports::PlatformPoller>,
    Arc<dyn inbox_domain::ports::SignIn>,
    Option<simulator::Simulator>,
);

/// The network clients the configuration asks for.
async fn networks(config: &Config) -> anyhow_lite::Result<Networks> {
    use config::NetworkMode;
    use inbox_networks::{HttpPlatformClient, HttpPlatformPoller, HttpSignIn, NetworkConfig, SignInConfig};
    let cipher: Arc<dyn inbox_domain::ports::SecretCipher> = Arc::new(config.token_key.clone());
    let real = |nc: NetworkConfig, signin: SignInConfig| -> anyhow_lite::Result<Networks> {
        let client = HttpPlatformClient::new(nc.clone(), cipher.clone()).map_err(|e| anyhow_lite::Error(e.to_string()))?;
        let poller = HttpPlatformPoller::new(nc.clone(), cipher.clone()).map_err(|e| anyhow_lite::Error(e.to_string()))?;
        let signin = HttpSignIn::new(nc, signin, Arc::new(SystemClock)).map_err(|e| anyhow_lite::Error(e.to_string()))?;
        Ok((Arc::new(client), Arc::new(poller), Arc::new(signin), None))
    };
    match &config.networks {
        NetworkMode::Real(nc) => real(nc.clone(), config.signin.clone()),
        NetworkMode::Simulated => {
            let sim = simulator::Simulator::start(simulator::demo_script(chrono::Utc::now()))
                .await
                .map_err(|e| anyhow_lite::Error(format!("cannot start the network simulator: {e}")))?;
            let mut nc = NetworkConfig::all_at(&sim.base_url());
            nc.polling.linkedin_posts.insert(demo::LINKEDIN_ORG.into(), vec![demo::LINKEDIN_POST.into()]);
            let (client, poller, signin, _) = real(nc, simulator::sign_in_config(&sim.base_url()))?;
            tracing::info!(addr = %sim.addr, "network simulator listening");
            Ok((client, poller, signin, Some(sim)))
        }
        NetworkMode::None => {
            let signin = HttpSignIn::new(NetworkConfig::default(), SignInConfig::default(), Arc::new(SystemClock))
                .map_err(|e| anyhow_lite::Error(e.to_string()))?;
            Ok((Arc::new(platform::NotConnectedClient), Arc::new(platform::NotConnectedPoller), Arc::new(signin), None))
        }
    }
}

/// A running inbox: storage open, workers running, optionally an HTTP listener.
pub struct App {
    pub state: AppState,
    pub db: Arc<Db>,
    pub queue: SqliteQueue,
    pub config: Config,
    shutdown: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    pub addr: Option<SocketAddr>,
    /// The web page and dev sign-in served beside the API (none by default; see `web`).
    pub site: web::Site,
    /// The network simulator, when the configuration asks for it.
    pub simulator: Option<simulator::Simulator>,
    /// The poller the workers use (tests drive it by hand).
    pub poller: Arc<dyn inbox_domain::ports::PlatformPoller>,
}

impl App {
    /// Opens storage and starts the workers (not the HTTP listener).
    pub async fn start(config: Config) -> anyhow_lite::Result<App> {
        let db = Db::open(DbConfig { path: config.data_dir.join("inbox.db"), durability: config.durability, readers: 4 })?;
        let store = Arc::new(SqliteStore::new(db.clone()));
        // A database of an older release kept tokens in the clear: sealed now, once.
        let sealed = store.seal_clear_tokens(&config.token_key).await?;
        if sealed > 0 {
            tracing::info!(profiles = sealed, "sealed network tokens an older release stored in the clear");
        }
        let mut queue = SqliteQueue::new(db.clone());
        queue.max_attempts = config.max_attempts;
        let mailer = Arc::new(OutboxMailer::new(config.data_dir.join("outbox"), "inbox@localhost")?);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        // One local key seals every kind of secret (the data dir's `sealing.key`).
        let outbound =
            inbox_integrations::outbound(config.egress.clone(), Arc::new(config.token_key.clone())).map_err(anyhow_lite::Error)?;
        let (client, poller, signin, simulator) = networks(&config).await?;
        let networks = inbox_domain::usecases::NetworkPorts { client: client.clone(), cipher: Arc::new(config.token_key.clone()), signin };
        let deps = Deps::on_store(store, Arc::new(queue.clone()), mailer, clock, config.settings.clone(), outbound, networks)
            .pausing(Arc::new(JitteredPause));
        let state = AppState { deps: deps.clone(), config: Arc::new(config.web.clone()) };
        let (shutdown, rx) = watch::channel(false);
        let mut tasks = Vec::new();
        if config.workers {
            let released = queue.release_in_flight().await?;
            if released > 0 {
                tracing::warn!(released, "messages left in flight by a previous run are delivered again now");
            }
            for name in QueueName::ALL.into_iter().filter(|q| !config.paused.contains(q)) {
                tasks.push(tokio::spawn(workers::run(queue.clone(), name, deps.clone(), client.clone(), rx.clone())));
            }
            if config.poll {
                tasks.push(tokio::spawn(workers::run_poller(deps.clone(), poller.clone(), rx.clone())));
                tasks.push(tokio::spawn(workers::run_renewals(deps.clone(), rx.clone())));
            }
            if config.deliver {
                for _ in 0..workers::DELIVERY_LOOPS {
                    tasks.push(tokio::spawn(workers::run_deliveries(deps.clone(), rx.clone())));
                }
            }
        }
        Ok(App { state, db, queue, config, shutdown, tasks, addr: None, site: web::Site::default(), simulator, poller })
    }

    pub fn router(&self) -> Router {
        web::attach(http_router(self.state.clone()), &self.site, self.state.clone(), self.db.clone(), self.addr)
    }

    /// Binds the HTTP listener and serves until shutdown.
    pub async fn serve(&mut self) -> anyhow_lite::Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind(self.config.addr)
            .await
            .map_err(|e| anyhow_lite::Error(format!("cannot listen on {}: {e}", self.config.addr)))?;
        let addr = listener.local_addr().map_err(|e| anyhow_lite::Error(e.to_string()))?;
        self.addr = Some(addr);
        // Sign-in callbacks and email links come back here unless INBOX_PUBLIC_URL says where.
        let shown = if addr.ip().is_unspecified() { SocketAddr::from(([127, 0, 0, 1], addr.port())) } else { addr };
        let _ = self.state.deps.settings.public_url.set(format!("http://{shown}"));
        let router = self.router();
        let mut rx = self.shutdown.subscribe();
        self.tasks.push(tokio::spawn(async move {
            let stop = async move {
                let _ = rx.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(stop).await {
                tracing::error!(error = %e, "http server stopped");
            }
        }));
        self.addr = Some(addr);
        if let Some(sim) = &self.simulator {
            sim.echo_to(addr, self.config.web.clone());
        }
        Ok(addr)
    }

    /// Waits until every queue is empty (all accepted work is done or dead-lettered).
    pub async fn settle(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let mut total = 0;
            for q in QueueName::ALL {
                total += self.queue.depth(q).await.unwrap_or(1);
            }
            if total == 0 {
                return true;
            }
            if tokio::time::Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Stops the listener and the workers after their current messages, then closes storage.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
        }
        self.db.close();
    }
}

/// Waits on tokio's timer a random time up to what the use cases ask (full jitter), as the
/// Lambda functions do.
struct JitteredPause;

#[async_trait::async_trait]
impl inbox_domain::ports::Pause for JitteredPause {
    async fn up_to(&self, ceiling: Duration) {
        tokio::time::sleep(ceiling.mul_f64(rand::random::<f64>())).await;
    }
}
