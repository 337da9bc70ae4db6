//! The `inbox` commands a person runs beside the server (issue #10.11): what they refuse and
//! what they leave on disk.

use std::process::Command;

fn inbox(data: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_inbox")).arg("--data-dir").arg(data).args(args).output().expect("inbox runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The account id `create-account` printed.
fn account_of(stdout: &str) -> String {
    stdout.split_whitespace().nth(1).expect("account <id> created").to_string()
}

#[test]
fn mint_token_refuses_an_email_of_several_accounts_and_takes_the_account() {
    let data = tempfile::tempdir().unwrap();
    let (ok, first, err) =
        inbox(data.path(), &["create-account", "--name", "One", "--admin-name", "Ann", "--admin-email", "ann@shared.example"]);
    assert!(ok, "{err}");
    let (ok, second, err) =
        inbox(data.path(), &["create-account", "--name", "Two", "--admin-name", "Ann", "--admin-email", "Ann@Shared.example"]);
    assert!(ok, "{err}");
    let (one, two) = (account_of(&first), account_of(&second));
    let (ok, out, err) = inbox(data.path(), &["mint-token", "--user", "ann@shared.example"]);
    assert!(!ok, "no token for whichever account comes first: {out}");
    assert!(err.contains("2 accounts") && err.contains(&one) && err.contains(&two) && err.contains("--account"), "{err}");
    for account in [&one, &two] {
        let (ok, token, err) = inbox(data.path(), &["mint-token", "--user", "ann@shared.example", "--account", account]);
        assert!(ok, "{err}");
        let claims = token.trim().split('.').nth(1).expect("a JWT");
        let claims = String::from_utf8(base64_url(claims)).unwrap();
        assert!(claims.contains(account.as_str()), "{claims}");
    }
    let (ok, _, err) = inbox(data.path(), &["mint-token", "--user", "ann@shared.example", "--account", "acc_nobody"]);
    assert!(!ok && err.contains("no user"), "{err}");
}

#[test]
fn create_account_checks_the_admin_as_any_user_is_checked() {
    let data = tempfile::tempdir().unwrap();
    for (name, admin, email, why) in [
        ("Acme", "Ann", "not an email", "is not an email address"),
        ("Acme", "Ann", "ann@localhost", "is not an email address"),
        ("Acme", " ", "ann@acme.example", "a user needs a name"),
        (" ", "Ann", "ann@acme.example", "an account needs a name"),
    ] {
        let (ok, out, err) = inbox(data.path(), &["create-account", "--name", name, "--admin-name", admin, "--admin-email", email]);
        assert!(!ok, "{name:?} {admin:?} {email:?} was accepted: {out}");
        assert!(err.contains(why), "{err}");
    }
    let (ok, out, err) =
        inbox(data.path(), &["create-account", "--name", "Acme", "--admin-name", " Ann ", "--admin-email", "  Ann@Acme.Example "]);
    assert!(ok, "{err}");
    assert!(out.contains("(ann@acme.example)"), "trimmed and lower-cased: {out}");
}

fn base64_url(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).expect("base64url")
}

/// `secrets.json` is private from the moment it exists, and starts racing on one data dir end
/// with one set of secrets (each used to write its own, the last one winning over keys others
/// had already signed with).
#[test]
fn the_secrets_file_is_created_private_and_once() {
    let data = tempfile::tempdir().unwrap();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
    let runs: Vec<_> = (0..8)
        .map(|_| {
            let (dir, barrier) = (data.path().to_path_buf(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                inbox_local::config::Config::load(&dir, "127.0.0.1:0".parse().unwrap()).expect("loads").web.jwt_secret.expose().to_string()
            })
        })
        .collect();
    let secrets: Vec<String> = runs.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(secrets.windows(2).all(|w| w[0] == w[1]), "every start has the same secret");
    let path = data.path().join("secrets.json");
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(stored["jwt_secret"], secrets[0].as_str());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
