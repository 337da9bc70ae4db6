//! Conformance of `ConnectStore` and `RenewalStore`: sign-in flows change only at the version
//! read (a state is spent once), and a renewal's lease is one worker's at a time (a refresh
//! token is spent once).

use crate::store::Stores;
use chrono::{Duration, Utc};
use inbox_domain::connect::{ConnectFlow, FlowStage};
use inbox_domain::ports::Renewal;
use inbox_domain::*;

fn flow(id: &str) -> ConnectFlow {
    let now = chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).expect("now");
    ConnectFlow {
        id: id.into(),
        account_id: "acc_1".into(),
        user_id: "usr_1".into(),
        network: Network::Twitter,
        reconnect: None,
        state_digest: "ab".repeat(32),
        verifier: Sealed::from_sealed("v1.l00000000.sealed"),
        redirect_uri: "http://127.0.0.1/connect/callback".into(),
        created_at: now,
        expires_at: now + Duration::minutes(10),
        version: 0,
        stage: FlowStage::Started,
    }
}

pub async fn a_sign_in_flow_changes_only_at_the_version_read(s: &Stores) {
    let f = flow("flw_1");
    s.flows.put_flow(&f).await.unwrap();
    assert_eq!(s.flows.get_flow(&"flw_1".into()).await.unwrap(), Some(f.clone()));
    assert!(s.flows.get_flow(&"flw_2".into()).await.unwrap().is_none());
    assert!(s.flows.put_flow(&f).await.is_err(), "a flow id is made once");

    // Two callbacks race to spend the state: one wins.
    let spent = ConnectFlow { version: 1, stage: FlowStage::Exchanging, ..f.clone() };
    let (a, b) = tokio::join!(s.flows.replace_flow(&spent, 0), s.flows.replace_flow(&spent, 0));
    assert!(a.unwrap() ^ b.unwrap(), "exactly one replacement at version 0");
    assert!(!s.flows.replace_flow(&spent, 0).await.unwrap(), "a stale version changes nothing");
    let done = ConnectFlow { version: 2, stage: FlowStage::Done, ..f.clone() };
    assert!(s.flows.replace_flow(&done, 1).await.unwrap());
    assert_eq!(s.flows.get_flow(&"flw_1".into()).await.unwrap().unwrap().stage, FlowStage::Done);
}

fn renewal(pid: &str, due: chrono::DateTime<Utc>) -> Renewal {
    Renewal { profile_id: pid.into(), account_id: "acc_1".into(), network: Network::Twitter, due_at: due }
}

pub async fn renewals_are_due_in_order_and_leased_to_one_worker_at_a_time(s: &Stores) {
    let now = chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).expect("now");
    let r = &s.renewals;
    r.put_renewal(&renewal("prf_b", now - Duration::minutes(1))).await.unwrap();
    r.put_renewal(&renewal("prf_a", now - Duration::minutes(2))).await.unwrap();
    r.put_renewal(&renewal("prf_later", now + Duration::hours(1))).await.unwrap();
    let due: Vec<String> = r.due_renewals(now, 10).await.unwrap().into_iter().map(|x| x.profile_id.to_string()).collect();
    assert_eq!(due, ["prf_a", "prf_b"], "earliest first, only the due ones");
    assert_eq!(r.due_renewals(now, 1).await.unwrap().len(), 1);

    let until = now + Duration::minutes(2);
    assert!(r.lease_renewal(&"prf_a".into(), "w1", now, until).await.unwrap());
    assert!(!r.lease_renewal(&"prf_a".into(), "w2", now, until).await.unwrap(), "held");
    assert!(!r.lease_renewal(&"prf_none".into(), "w2", now, until).await.unwrap(), "no schedule, no lease");
    let due: Vec<String> = r.due_renewals(now, 10).await.unwrap().into_iter().map(|x| x.profile_id.to_string()).collect();
    assert_eq!(due, ["prf_b"], "a leased renewal is not due");
    // A lease that ran out may be taken again; then the old holder's finish changes nothing.
    assert!(r.lease_renewal(&"prf_a".into(), "w2", until, until + Duration::minutes(2)).await.unwrap());
    assert!(!r.finish_renewal(&"prf_a".into(), "w1", Some(now + Duration::hours(2))).await.unwrap());
    assert!(r.finish_renewal(&"prf_a".into(), "w2", Some(now + Duration::hours(2))).await.unwrap());
    let got = r.get_renewal(&"prf_a".into()).await.unwrap().unwrap();
    assert_eq!(got.due_at, now + Duration::hours(2));
    assert!(r.lease_renewal(&"prf_a".into(), "w3", now, until).await.unwrap(), "finished: unleased");
    assert!(r.finish_renewal(&"prf_a".into(), "w3", None).await.unwrap(), "no next: removed");
    assert!(r.get_renewal(&"prf_a".into()).await.unwrap().is_none());
    r.delete_renewal(&"prf_b".into()).await.unwrap();
    r.delete_renewal(&"prf_b".into()).await.unwrap();
    assert!(r.due_renewals(now, 10).await.unwrap().is_empty());
    // Putting a schedule again (new tokens: a reconnection) resets its lease; ensuring one
    // never does, and makes one only where there is none.
    r.put_renewal(&renewal("prf_later", now)).await.unwrap();
    assert!(r.lease_renewal(&"prf_later".into(), "w1", now, until).await.unwrap());
    r.ensure_renewal(&renewal("prf_later", now)).await.unwrap();
    assert!(!r.lease_renewal(&"prf_later".into(), "w2", now, until).await.unwrap(), "ensuring kept w1's lease");
    r.put_renewal(&renewal("prf_later", now)).await.unwrap();
    assert!(r.lease_renewal(&"prf_later".into(), "w2", now, until).await.unwrap());
    r.ensure_renewal(&renewal("prf_new", now)).await.unwrap();
    assert!(r.lease_renewal(&"prf_new".into(), "w3", now, until).await.unwrap(), "ensured where there was none");
}

/// Workers that each found no schedule (concurrent 401s) and ensure one: one lease.
pub async fn racing_ensured_renewals_take_one_lease(s: &Stores) {
    let now = chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).expect("now");
    let until = now + Duration::minutes(2);
    let tries = (0..8).map(|i| {
        let r = s.renewals.clone();
        tokio::spawn(async move {
            r.ensure_renewal(&renewal("prf_y", now)).await.unwrap();
            r.lease_renewal(&"prf_y".into(), &format!("w{i}"), now, until).await.unwrap()
        })
    });
    let mut won = 0;
    for t in tries.collect::<Vec<_>>() {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1, "eight workers ensuring and leasing, one lease");
}

pub async fn racing_renewers_take_one_lease(s: &Stores) {
    let now = chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).expect("now");
    s.renewals.put_renewal(&renewal("prf_x", now - Duration::seconds(1))).await.unwrap();
    let until = now + Duration::minutes(2);
    let tries = (0..8).map(|i| {
        let r = s.renewals.clone();
        tokio::spawn(async move { r.lease_renewal(&"prf_x".into(), &format!("w{i}"), now, until).await.unwrap() })
    });
    let mut won = 0;
    for t in tries.collect::<Vec<_>>() {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1, "eight workers, one lease");
}

/// An unsubscribe changes the one field, of a user who exists: never re-creates a removed user
/// nor undoes a change made meanwhile.
pub async fn email_notifications_change_alone_and_never_recreate_a_user(s: &Stores) {
    let now = chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).expect("now");
    let d = &s.directory;
    d.put_account(&Account { id: "acc_m".into(), name: "M".into(), created_at: now }).await.unwrap();
    let u = User {
        id: "usr_m".into(),
        account_id: "acc_m".into(),
        name: "Mia".into(),
        email: "mia@m.example".into(),
        role: Role::Admin,
        inbox_access: true,
        email_notifications: true,
        profile_ids: Default::default(),
        created_at: now,
    };
    d.put_user(&u).await.unwrap();
    let off = d.set_email_notifications(&"acc_m".into(), &"usr_m".into(), false).await.unwrap().expect("the user");
    assert!(!off.email_notifications);
    assert_eq!(d.get_user(&"acc_m".into(), &"usr_m".into()).await.unwrap(), Some(User { email_notifications: false, ..u.clone() }));
    // Demoted meanwhile: the change stays.
    d.put_user(&User { role: Role::Member, email_notifications: false, ..u.clone() }).await.unwrap();
    d.set_email_notifications(&"acc_m".into(), &"usr_m".into(), true).await.unwrap();
    assert_eq!(d.get_user(&"acc_m".into(), &"usr_m".into()).await.unwrap().unwrap().role, Role::Member);
    // Removed: nothing comes back; another account's id names nobody.
    assert!(d.delete_user(&"acc_m".into(), &"usr_m".into()).await.unwrap());
    assert!(d.set_email_notifications(&"acc_m".into(), &"usr_m".into(), false).await.unwrap().is_none());
    assert!(d.get_user(&"acc_m".into(), &"usr_m".into()).await.unwrap().is_none());
    assert!(d.set_email_notifications(&"acc_other".into(), &"usr_m".into(), false).await.unwrap().is_none());
}
