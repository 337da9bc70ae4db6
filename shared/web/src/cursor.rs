//! Opaque feed cursors: the store's position, sealed with an HMAC bound to the caller, so a
//! cursor from another user or account, or a tampered one, is refused (400), never followed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8], account: &str, user: &str, position: &str) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).expect("any key length");
    m.update(account.as_bytes());
    m.update(b"\0");
    m.update(user.as_bytes());
    m.update(b"\0");
    m.update(position.as_bytes());
    m.finalize().into_bytes()[..16].to_vec()
}

pub fn seal(key: &[u8], account: &str, user: &str, position: &str) -> String {
    format!("{}.{}", B64.encode(position), B64.encode(mac(key, account, user, position)))
}

/// The store position inside a cursor issued to this caller, or `None`.
pub fn open(key: &[u8], account: &str, user: &str, cursor: &str) -> Option<String> {
    if cursor.len() > 512 {
        return None;
    }
    let (p, t) = cursor.split_once('.')?;
    let position = String::from_utf8(B64.decode(p).ok()?).ok()?;
    let tag = B64.decode(t).ok()?;
    let mut m = HmacSha256::new_from_slice(key).expect("any key length");
    m.update(account.as_bytes());
    m.update(b"\0");
    m.update(user.as_bytes());
    m.update(b"\0");
    m.update(position.as_bytes());
    m.verify_truncated_left(&tag).ok()?;
    (tag.len() == 16).then_some(position)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_opens_only_for_its_caller_and_untampered() {
        let c = seal(b"k", "acc_1", "usr_1", "123:cnv_9");
        assert_eq!(open(b"k", "acc_1", "usr_1", &c).as_deref(), Some("123:cnv_9"));
        assert_eq!(open(b"k", "acc_1", "usr_2", &c), None);
        assert_eq!(open(b"k", "acc_2", "usr_1", &c), None);
        assert_eq!(open(b"other", "acc_1", "usr_1", &c), None);
        let forged = format!("{}.{}", B64.encode("999:cnv_1"), c.split_once('.').unwrap().1);
        assert_eq!(open(b"k", "acc_1", "usr_1", &forged), None);
        assert_eq!(open(b"k", "acc_1", "usr_1", "garbage"), None);
        assert_eq!(open(b"k", "acc_1", "usr_1", ""), None);
    }
}
