//! What a handler answers, before it becomes an HTTP response, and who is asking.

use crate::json::error_body;

/// A response before it becomes an HTTP one.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", "application/json".into())],
            body,
        }
    }

    pub(crate) fn xml(status: u16, body: String) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", "text/xml".into())],
            body: body.into_bytes(),
        }
    }

    /// An AWS JSON error: the code in the body and in `X-Amzn-ErrorType`.
    pub(crate) fn error(status: u16, code: &str, message: &str) -> Reply {
        let mut r = Reply::json(status, error_body(code, message));
        r.headers.push(("x-amzn-errortype", code.to_owned()));
        r
    }

    /// An `InvalidParameterValueException` (HTTP 400).
    pub(crate) fn invalid(message: &str) -> Reply {
        Reply::error(400, "InvalidParameterValueException", message)
    }

    /// The first header named `name`, in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Who is calling, from the SigV4 credential scope.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub account: String,
    pub region: String,
    pub is_management: bool,
}

/// `Credential=AKID/20261122/us-east-1/backup/aws4_request` → (access key id, region).
pub(crate) fn credential_scope(auth: &str) -> Option<(&str, &str)> {
    let start = auth.find("Credential=")? + "Credential=".len();
    let rest = &auth[start..];
    let end = rest.find([',', ' ']).unwrap_or(rest.len());
    let mut parts = rest[..end].split('/');
    let akid = parts.next()?;
    let _date = parts.next()?;
    let region = parts.next()?;
    Some((akid, region))
}
