//! Plain HTTP/1.1 requests over TCP and a strict parser of both exposition formats: what the
//! tests (and the soak) read the exporter with.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8 body")
    }
}

/// A plain HTTP/1.1 request over a fresh TCP connection.
pub fn http_get(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> HttpResponse {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    HttpResponse {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// One sample of an exposition.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A parsed text exposition (either format), strict enough to catch broken escaping.
#[derive(Debug)]
pub struct Exposition {
    pub samples: Vec<Sample>,
}

fn parse_labels(s: &str) -> (BTreeMap<String, String>, &str) {
    let mut labels = BTreeMap::new();
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        if b[i] == b'}' {
            return (labels, &s[i + 1..]);
        }
        let eq = s[i..].find('=').expect("label =") + i;
        let name = s[i..eq].trim_start_matches(',').to_owned();
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad label name {name:?}"
        );
        assert_eq!(b[eq + 1], b'"', "label value must be quoted");
        let mut j = eq + 2;
        let mut value = String::new();
        loop {
            match b[j] {
                b'\\' => {
                    match b[j + 1] {
                        b'\\' => value.push('\\'),
                        b'"' => value.push('"'),
                        b'n' => value.push('\n'),
                        other => panic!("bad escape \\{}", other as char),
                    }
                    j += 2;
                }
                b'"' => break,
                b'\n' => panic!("raw newline in a label value"),
                _ => {
                    let c = s[j..].chars().next().unwrap();
                    value.push(c);
                    j += c.len_utf8();
                }
            }
        }
        labels.insert(name, value);
        i = j + 1;
        if b[i] == b',' {
            i += 1;
        }
    }
}

impl Exposition {
    pub fn parse(text: &str) -> Exposition {
        let mut samples = Vec::new();
        for line in text.lines() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, labels, rest) = match line.find(['{', ' ']) {
                Some(i) if line.as_bytes()[i] == b'{' => {
                    let (labels, rest) = parse_labels(&line[i + 1..]);
                    (line[..i].to_owned(), labels, rest)
                }
                Some(i) => (line[..i].to_owned(), BTreeMap::new(), &line[i..]),
                None => panic!("bad sample line {line:?}"),
            };
            let value = rest.split_whitespace().next().expect("value");
            let value = match value {
                "+Inf" => f64::INFINITY,
                "-Inf" => f64::NEG_INFINITY,
                v => v
                    .parse()
                    .unwrap_or_else(|_| panic!("bad value in {line:?}")),
            };
            samples.push(Sample {
                name,
                labels,
                value,
            });
        }
        Exposition { samples }
    }

    /// Samples of `name` whose labels include every pair of `matching`.
    pub fn select<'a>(
        &'a self,
        name: &'a str,
        matching: &'a [(&str, &str)],
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| {
            s.name == name
                && matching
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
    }

    pub fn sum(&self, name: &str, matching: &[(&str, &str)]) -> f64 {
        self.select(name, matching).map(|s| s.value).sum()
    }

    /// The one sample of `name` with exactly these labels.
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples
            .iter()
            .find(|s| s.name == name && s.labels == want)
            .map(|s| s.value)
    }

    /// `name`'s non-zero samples keyed by the values of `keys`.
    pub fn by(
        &self,
        name: &str,
        matching: &[(&str, &str)],
        keys: &[&str],
    ) -> BTreeMap<Vec<String>, f64> {
        let mut out = BTreeMap::new();
        for s in self.select(name, matching) {
            if s.value == 0.0 {
                continue;
            }
            let k = keys
                .iter()
                .map(|k| s.labels.get(*k).cloned().unwrap_or_default())
                .collect();
            *out.entry(k).or_insert(0.0) += s.value;
        }
        out
    }
}
