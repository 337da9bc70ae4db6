//! `scripts/deploy.sh` stops before building when a secret the functions read at their first
//! start is missing from SSM Parameter Store, naming it, and says when SES has no production
//! access (docs/aws.md, "Deploying"). Run with stand-ins for `aws` and `sam` first on PATH
//! (this machine cannot reach AWS): the stand-in `aws` answers the two calls the check makes
//! and records what it was asked.

use std::path::Path;
use std::process::Command;

fn stand_in(dir: &Path, name: &str, script: &str) {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/usr/bin/env bash\n{script}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn deploy(bin: &Path, missing: &str, args: &[&str]) -> (i32, String, String) {
    let log = bin.join("aws.log");
    stand_in(
        bin,
        "aws",
        &format!(
            r#"echo "$*" >> {log}
case "$*" in
  *"ssm get-parameters"*) printf '%s\n' "{missing}" ;;
  *"sesv2 get-account"*) echo False ;;
esac"#,
            log = log.display()
        ),
    );
    stand_in(bin, "sam", "echo \"sam $*\"; exit 7");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new("bash")
        .arg(root.join("scripts/deploy.sh"))
        .args(args)
        .current_dir(bin)
        .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()))
        .env("AWS_REGION", "eu-west-1")
        .env_remove("SECRETS_PATH")
        .env_remove("SKIP_PREFLIGHT")
        .output()
        .expect("bash runs deploy.sh");
    let asked = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr), asked)
}

#[test]
fn a_missing_secret_stops_the_deployment_before_it_builds() {
    let bin = tempfile::tempdir().unwrap();
    let (code, said, asked) =
        deploy(bin.path(), "/acme/api/cursor-key\t/acme/mail/unsubscribe-key", &["--parameter-overrides", "SecretsPath=/acme MailFrom=x"]);
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("/acme/api/cursor-key") && said.contains("/acme/mail/unsubscribe-key"), "{said}");
    assert!(!said.contains("sam build"), "stopped before building: {said}");
    for name in ["webhook/meta-app-secret", "webhook/meta-verify-token", "webhook/x-consumer-secret", "webhook/linkedin-client-secret"] {
        assert!(asked.contains(&format!("/acme/{name}")), "asked for {name}: {asked}");
    }
    assert!(asked.contains("--region eu-west-1"), "{asked}");
}

#[test]
fn with_every_secret_it_notes_the_ses_sandbox_and_goes_on_to_build() {
    let bin = tempfile::tempdir().unwrap();
    let (code, said, asked) = deploy(bin.path(), "", &[]);
    assert_eq!(code, 7, "it reached the (stand-in) sam build: {said}");
    assert!(said.contains("SES production access is not enabled"), "{said}");
    assert!(said.contains("sam build"), "{said}");
    assert!(asked.contains("/inbox/api/cursor-key"), "the default SecretsPath: {asked}");
}
