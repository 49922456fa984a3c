//! JSON and XML text as AWS writes it, built by hand: a page of a thousand jobs must cost
//! little more than copying bytes.

use std::io::Write as _;

/// Appends `s` as a JSON string literal; non-ASCII stays raw UTF-8, as AWS sends it.
pub(crate) fn json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                let _ = write!(out, "\\u{b:04x}");
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Appends a decimal integer without going through `fmt`.
pub(crate) fn push_i64(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = v.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// Writes one JSON object field by field.
pub(crate) struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    pub(crate) fn begin(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    pub(crate) fn key(&mut self, k: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    /// Pre-rendered `"k":v,…` members.
    pub(crate) fn raw(&mut self, members: &[u8]) {
        if members.is_empty() {
            return;
        }
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.extend_from_slice(members);
    }

    pub(crate) fn str(&mut self, k: &str, v: &str) {
        let out = self.key(k);
        json_str(out, v);
    }

    pub(crate) fn opt_str(&mut self, k: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.str(k, v);
        }
    }

    pub(crate) fn num(&mut self, k: &str, v: i64) {
        let out = self.key(k);
        push_i64(out, v);
    }

    pub(crate) fn opt_num(&mut self, k: &str, v: Option<i64>) {
        if let Some(v) = v {
            self.num(k, v);
        }
    }

    pub(crate) fn bool(&mut self, k: &str, v: bool) {
        let out = self.key(k);
        out.extend_from_slice(if v { b"true" } else { b"false" });
    }

    pub(crate) fn end(self) {
        self.out.push(b'}');
    }
}

/// A JSON error body the SDK's `parse_error_metadata` understands.
pub(crate) fn error_body(code: &str, message: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + message.len());
    let mut o = Obj::begin(&mut out);
    o.str("__type", code);
    o.str("message", message);
    o.end();
    out
}

/// Escapes text for an XML element body (STS answers).
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        let mut out = Vec::new();
        json_str(&mut out, "db \"prod\" \\ ünïcode\nline2\u{1}");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#""db \"prod\" \\ ünïcode\nline2\u0001""#
        );
        let v: serde_json::Value = serde_json::from_slice(&error_body("X", "a\"b")).unwrap();
        assert_eq!(v["__type"], "X");
        assert_eq!(v["message"], "a\"b");
    }
}
