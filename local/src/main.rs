//! `inbox`: the social inbox on one machine.

use clap::{Parser, Subcommand};
use inbox_local::config::Config;
use inbox_local::{App, demo};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "inbox", version, about = "The social inbox on one machine: API, webhooks and workers on embedded storage")]
struct Cli {
    /// Where the database, the email outbox and the local secrets live.
    #[arg(long, env = "INBOX_DATA_DIR", default_value = "./data", global = true)]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Send the demo's signed webhooks (Facebook, Messenger, X, LinkedIn) to a running inbox,
    /// signed with this data dir's secrets, as the networks would. Safe to repeat: the inbox
    /// stores every event once.
    Simulate {
        #[arg(long, default_value = "127.0.0.1:8080")]
        to: SocketAddr,
    },
    /// Serve the API and webhooks and run the workers.
    Serve {
        #[arg(long, env = "INBOX_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Seed a demo account whose conversations arrive as signed webhooks, with the networks
        /// simulated on a loopback port (turns on --dev-auth).
        #[arg(long)]
        demo: bool,
        /// The built web page to serve at `/` (default: `web/dist` when it exists).
        #[arg(long, env = "INBOX_WEB_DIR")]
        web_dir: Option<PathBuf>,
        /// Local sign-in without a password: `GET /api/dev/users`, `POST /api/dev/token`.
        /// Anyone who reaches the address can act as any user: refused on an address that is
        /// not loopback, and answered only to requests addressed to it.
        #[arg(long)]
        dev_auth: bool,
        /// Allow --dev-auth (and --demo) on an address that is not loopback, for any `Host`:
        /// every host that can reach the address can then sign in as any user.
        #[arg(long)]
        allow_dev_auth_off_loopback: bool,
    },
    /// Print a bearer token for a user (by id or email).
    MintToken {
        #[arg(long)]
        user: String,
        /// The user's account, when the email is a user's of several accounts.
        #[arg(long)]
        account: Option<String>,
        #[arg(long, default_value_t = 24)]
        hours: i64,
    },
    /// List the messages that failed too often and were set aside (newest first).
    DeadLetters {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Put a dead-lettered message back on its queue (a running server picks it up).
    Replay { id: i64 },
    /// Create an account with its first admin and print the admin's token.
    CreateAccount {
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_name: String,
        #[arg(long)]
        admin_email: String,
    },
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("INBOX_LOG").unwrap_or_else(|_| "info,tower_http=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("INBOX_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Serve { addr, demo: with_demo, web_dir, dev_auth, allow_dev_auth_off_loopback } => {
            let dev_auth = dev_auth || with_demo;
            inbox_local::web::check_dev_auth_address(addr, dev_auth, allow_dev_auth_off_loopback)?;
            let mut config = Config::load(&cli.data_dir, addr)?;
            if with_demo {
                // The demo's profiles live on the network simulator, not on the real networks.
                config.networks = inbox_local::config::NetworkMode::Simulated;
                // Its webhooks and Salesforce calls stay on this machine unless told otherwise.
                if !inbox_local::config::egress_configured() {
                    config.egress = inbox_integrations::EgressPolicy::loopback_only();
                }
            }
            let mut app = App::start(config.clone()).await?;
            app.site = inbox_local::web::Site {
                dir: inbox_local::web::Site::find_dir(web_dir)?,
                dev_auth,
                dev_any_host: allow_dev_auth_off_loopback,
            };
            let created = if with_demo { demo::seed_directory(&app.state.deps).await? } else { false };
            if created {
                demo::schedule_polls(&app.state.deps).await?;
            }
            let bound = app.serve().await?;
            println!("social inbox listening on http://{bound}  (data in {})", cli.data_dir.display());
            match &app.site.dir {
                Some(dir) => println!("web inbox: open http://{bound}/ in a browser (page from {})", inbox_local::web::describe(dir)),
                None => println!("web inbox: not built; run scripts/run.sh, or `npm ci && npm run build` in web/"),
            }
            if app.site.dev_auth {
                println!("dev sign-in is on: anyone who can reach http://{bound} can sign in as any user");
            }
            if with_demo {
                let n = demo::send_webhooks(bound, &config.web).await?;
                // The first poll round now, so LinkedIn, YouTube and the X reconciliation show
                // at once (the poller then runs on its own schedule).
                if let Err(e) = fn_poller::run(&app.state.deps, app.poller.as_ref()).await {
                    tracing::warn!(error = %e, "the demo's first poll round failed");
                }
                app.settle(std::time::Duration::from_secs(30)).await;
                if created {
                    demo::team_activity(bound, &config.web).await?;
                }
                let token = inbox_web::auth::mint(
                    config.web.jwt_secret.expose(),
                    &demo::ALICE.into(),
                    &demo::ACCOUNT.into(),
                    chrono::Duration::hours(24),
                );
                println!(
                    "demo data: {n} signed webhooks delivered; users alice@demo.example (admin), bob@demo.example, carol@demo.example"
                );
                println!(
                    "try the Inbox tab as Alice:\n  curl -s -H 'Authorization: Bearer {token}' 'http://{bound}/api/conversations?tab=tab_demo_alice_0'"
                );
                println!(
                    "a token for another user: cargo run -p inbox-local --bin inbox -- mint-token --data-dir {} --user bob@demo.example",
                    cli.data_dir.display()
                );
            }
            println!("press Ctrl-C to stop");
            shutdown_signal().await;
            println!("stopping: finishing the messages in hand");
            app.stop().await;
            Ok(())
        }
        Command::MintToken { user, account, hours } => {
            let app = offline(&cli.data_dir).await?;
            let found = find_user(&app, &user, account.as_deref()).await;
            let found = match found {
                Ok(u) => u,
                Err(e) => {
                    app.stop().await;
                    return Err(e);
                }
            };
            let token =
                inbox_web::auth::mint(app.config.web.jwt_secret.expose(), &found.id, &found.account_id, chrono::Duration::hours(hours));
            app.stop().await;
            println!("{token}");
            Ok(())
        }
        Command::Simulate { to } => {
            let config = Config::load(&cli.data_dir, to)?;
            let n = demo::send_webhooks(to, &config.web).await?;
            println!("{n} signed webhooks delivered to http://{to}");
            Ok(())
        }
        Command::DeadLetters { limit } => {
            let app = offline(&cli.data_dir).await?;
            let dead = app.queue.dead_letters(limit).await?;
            app.stop().await;
            if dead.is_empty() {
                println!("no dead letters");
            }
            for d in dead {
                println!(
                    "{}\t{}\t{} attempts\tdead since {}\t{}",
                    d.id,
                    d.queue,
                    d.attempts,
                    d.dead_at.to_rfc3339(),
                    d.last_error.unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::Replay { id } => {
            let app = offline(&cli.data_dir).await?;
            let found = app.queue.replay(id).await?;
            app.stop().await;
            if !found {
                return Err(format!("no dead letter {id}").into());
            }
            println!("dead letter {id} is back on its queue");
            Ok(())
        }
        Command::CreateAccount { name, admin_name, admin_email } => {
            let app = offline(&cli.data_dir).await?;
            let (account, admin) = inbox_domain::usecases::create_account(&app.state.deps, &name, &admin_name, &admin_email)
                .await
                .map_err(|e| e.to_string())?;
            let token = inbox_web::auth::mint(app.config.web.jwt_secret.expose(), &admin.id, &account.id, chrono::Duration::hours(24));
            app.stop().await;
            println!("account {} created; admin {} ({})\n{token}", account.id, admin.id, admin.email);
            Ok(())
        }
    }
}

/// Storage without workers or listener, for one-off commands beside a running server.
async fn offline(data_dir: &std::path::Path) -> Result<App, Box<dyn std::error::Error>> {
    let mut c = Config::load(data_dir, "127.0.0.1:0".parse()?)?;
    c.workers = false;
    Ok(App::start(c).await?)
}

/// The user named by id or email, across the accounts of this database. An email that is a
/// user's of several accounts needs `account`: a token is never minted for whichever comes
/// first.
async fn find_user(app: &App, user: &str, account: Option<&str>) -> Result<inbox_domain::User, Box<dyn std::error::Error>> {
    let db = app.db.clone();
    let needle = user.trim().to_lowercase();
    let wanted = account.map(str::to_string);
    let rows: Vec<(String, String)> = db
        .read(move |c| {
            let mut stmt = c
                .prepare("SELECT account_id, id FROM users WHERE (id = ?1 OR email = ?1) AND (?2 IS NULL OR account_id = ?2) ORDER BY account_id")
                .map_err(|e| inbox_domain::error::PortError::Unavailable(e.to_string()))?;
            let rows = stmt
                .query_map(inbox_sqlite::rusqlite::params![needle, wanted], |r| Ok((r.get(0)?, r.get(1)?)))
                .and_then(|r| r.collect::<Result<Vec<_>, _>>())
                .map_err(|e| inbox_domain::error::PortError::Unavailable(e.to_string()))?;
            Ok(rows)
        })
        .await?;
    let (account_id, id) = match rows.as_slice() {
        [] => {
            return Err(match account {
                Some(a) => format!("no user {user} in account {a}"),
                None => format!("no user {user} in this database"),
            }
            .into());
        }
        [one] => one.clone(),
        many => {
            let accounts: Vec<&str> = many.iter().map(|(a, _)| a.as_str()).collect();
            return Err(format!(
                "{user} is a user of {} accounts ({}): say which with --account <account id>",
                many.len(),
                accounts.join(", ")
            )
            .into());
        }
    };
    let dir = app.state.deps.directory.clone();
    Ok(dir.get_user(&account_id.as_str().into(), &id.as_str().into()).await?.ok_or("user vanished")?)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
