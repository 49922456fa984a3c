//! HTTP basic authentication against bcrypt hashes, as the exporter-toolkit does it. A
//! verification costs bcrypt's work factor (about 70 ms at cost 10), so a successful one is
//! remembered, as a digest of the password, for as long as the user's hash stays the same: a
//! scrape pays a SHA-256 and a constant-time comparison, not bcrypt.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Checked against when the user is unknown, so that a wrong user costs what a wrong password
/// does (the password of this hash is not used anywhere).
const DUMMY_HASH: &str = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

/// Whether `hash` is a bcrypt hash: `$2a$`, `$2b$` or `$2y$`, a two-digit cost, 53 characters.
pub fn is_bcrypt_hash(hash: &str) -> bool {
    let b = hash.as_bytes();
    b.len() == 60
        && (hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"))
        && b[4].is_ascii_digit()
        && b[5].is_ascii_digit()
        && b[6] == b'$'
        && b[7..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'.' || *c == b'/')
}

/// The users of one web configuration, with the verifications they passed.
#[derive(Debug)]
pub struct Users {
    /// User → bcrypt hash.
    users: BTreeMap<String, String>,
    /// User → SHA-256 of the password that last passed bcrypt against the user's hash.
    verified: Mutex<HashMap<String, [u8; 32]>>,
}

/// `user:password` from an `Authorization: Basic …` header.
fn credentials(header: &str) -> Option<(String, String)> {
    let (scheme, token) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn digest(password: &str) -> [u8; 32] {
    Sha256::digest(password.as_bytes()).into()
}

impl Users {
    pub fn new(users: BTreeMap<String, String>) -> Self {
        Users {
            users,
            verified: Mutex::new(HashMap::new()),
        }
    }

    /// Whether requests must authenticate.
    pub fn required(&self) -> bool {
        !self.users.is_empty()
    }

    /// Whether the `Authorization` header carries a user's valid password. Runs bcrypt (on a
    /// blocking thread) only for a password not verified before.
    pub async fn check(&self, authorization: Option<&str>) -> bool {
        let Some((user, password)) = authorization.and_then(credentials) else {
            return false;
        };
        let Some(hash) = self.users.get(&user).cloned() else {
            // Same cost as a wrong password: no hint which users exist.
            let _ = tokio::task::spawn_blocking(move || bcrypt::verify(password, DUMMY_HASH)).await;
            return false;
        };
        let d = digest(&password);
        let cached = self
            .verified
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&user)
            .copied();
        if let Some(known) = cached
            && bool::from(known.ct_eq(&d))
        {
            return true;
        }
        let ok =
            tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash).unwrap_or(false))
                .await
                .unwrap_or(false);
        if ok {
            self.verified
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(user, d);
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_headers() {
        assert!(is_bcrypt_hash(DUMMY_HASH));
        assert!(is_bcrypt_hash(&DUMMY_HASH.replacen("$2y$", "$2b$", 1)));
        assert!(!is_bcrypt_hash("secret"));
        assert!(!is_bcrypt_hash(&DUMMY_HASH.replacen("$2y$", "$2x$", 1)));
        assert!(!is_bcrypt_hash(&DUMMY_HASH[..59]));
        assert_eq!(
            credentials("Basic dXNlcjpwYTpzcw=="),
            Some(("user".into(), "pa:ss".into()))
        );
        assert_eq!(credentials("Bearer dXNlcjpwYXNz"), None);
        assert_eq!(credentials("Basic !!!"), None);
        assert_eq!(credentials("Basic dXNlcg=="), None, "no colon");
    }

    #[tokio::test]
    async fn a_verified_password_is_remembered_and_a_wrong_one_never() {
        let hash = bcrypt::hash("right", 4).unwrap();
        let users = Users::new(BTreeMap::from([("prom".to_owned(), hash)]));
        let basic = |u: &str, p: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )
        };
        assert!(!users.check(None).await);
        assert!(!users.check(Some(&basic("prom", "wrong"))).await);
        assert!(users.verified.lock().unwrap().is_empty());
        assert!(users.check(Some(&basic("prom", "right"))).await);
        assert_eq!(users.verified.lock().unwrap()["prom"], digest("right"));
        assert!(users.check(Some(&basic("prom", "right"))).await);
        assert!(!users.check(Some(&basic("prom", "wrong"))).await);
        assert!(!users.check(Some(&basic("nobody", "right"))).await);
    }
}
