//! Just enough STS (awsQuery: form-encoded POST, XML answers) for aws-config's
//! `AssumeRoleProvider`: assumed credentials map to the role's account, so one simulator
//! serves a whole organization of cross-account targets.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::json::xml_escape;
use crate::query::{Query, format_date};
use crate::reply::{Caller, Reply};
use crate::rng::{Rng, hash, hash_str};

const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// The STS operation a form body asks for, for request counting.
pub(crate) fn action(body: &[u8]) -> String {
    let form = Query::parse(&String::from_utf8_lossy(body));
    form.get("Action").unwrap_or("STS").to_owned()
}

/// STS's state: who may assume what, and the access keys handed out so far.
#[derive(Debug, Default)]
pub(crate) struct Sts {
    seed: u64,
    denied_roles: Vec<String>,
    /// Access keys issued by AssumeRole → the role's account.
    keys: Mutex<HashMap<String, String>>,
    seq: AtomicU64,
}

impl Sts {
    pub(crate) fn new(seed: u64, denied_roles: Vec<String>) -> Sts {
        Sts {
            seed,
            denied_roles,
            ..Sts::default()
        }
    }

    /// The account whose role issued `access_key`, if AssumeRole handed it out.
    pub(crate) fn account_of(&self, access_key: &str) -> Option<String> {
        self.keys
            .lock()
            .expect("keys lock")
            .get(access_key)
            .cloned()
    }

    pub(crate) fn handle(&self, caller: &Caller, body: &[u8], request_id: &str) -> Reply {
        handle(self, caller, body, request_id)
    }
}

fn handle(sts: &Sts, caller: &Caller, body: &[u8], request_id: &str) -> Reply {
    let form = Query::parse(&String::from_utf8_lossy(body));
    let get = |k: &str| form.get(k);
    match get("Action") {
        Some("AssumeRole") => assume_role(sts, caller, &get, request_id),
        Some("GetCallerIdentity") => {
            let xml = format!(
                "<GetCallerIdentityResponse xmlns=\"{NS}\"><GetCallerIdentityResult>\
                 <Arn>arn:aws:iam::{a}:user/simulator</Arn><UserId>AIDASIMULATOR</UserId>\
                 <Account>{a}</Account></GetCallerIdentityResult>\
                 <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>\
                 </GetCallerIdentityResponse>",
                a = xml_escape(&caller.account)
            );
            Reply::xml(200, xml)
        }
        other => error(
            400,
            "InvalidAction",
            &format!(
                "Could not find operation {} for version 2011-06-15",
                other.unwrap_or("")
            ),
            request_id,
        ),
    }
}

fn assume_role<'a>(
    sts: &Sts,
    caller: &Caller,
    get: &dyn Fn(&str) -> Option<&'a str>,
    request_id: &str,
) -> Reply {
    let Some(role_arn) = get("RoleArn") else {
        return error(400, "ValidationError", "RoleArn is required", request_id);
    };
    let Some(session) = get("RoleSessionName").filter(|s| !s.is_empty()) else {
        return error(
            400,
            "ValidationError",
            "RoleSessionName is required",
            request_id,
        );
    };
    let Some((account, role_name)) = parse_role_arn(role_arn) else {
        return error(
            400,
            "ValidationError",
            &format!("{role_arn} is not a valid role ARN"),
            request_id,
        );
    };
    let duration = match get("DurationSeconds").map(str::parse::<i64>) {
        None => 3600,
        Some(Ok(d)) if (900..=43_200).contains(&d) => d,
        Some(_) => {
            return error(
                400,
                "ValidationError",
                "DurationSeconds must be between 900 and 43200",
                request_id,
            );
        }
    };
    if sts.denied_roles.iter().any(|r| r == role_arn) {
        return error(
            403,
            "AccessDenied",
            &format!(
                "User: arn:aws:iam::{}:user/simulator is not authorized to perform: \
                 sts:AssumeRole on resource: {role_arn}",
                caller.account
            ),
            request_id,
        );
    }
    let n = sts.seq.fetch_add(1, Ordering::Relaxed);
    let mut rng = Rng::keyed(&[sts.seed, 0x575, n, hash_str(role_arn)]);
    let access_key = format!("ASIA{:016X}", rng.next_u64());
    let secret: String = (0..40).map(|_| *rng.pick(&ALNUM) as char).collect();
    let mut token = String::from("FwoGZXIvYXdzE");
    for _ in 0..8 {
        let _ = write!(token, "{:016x}", rng.next_u64());
    }
    sts.keys
        .lock()
        .expect("keys lock")
        .insert(access_key.clone(), account.to_owned());
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let role_id = format!("AROA{:016X}", hash(&[hash_str(role_arn)]));
    let xml = format!(
        "<AssumeRoleResponse xmlns=\"{NS}\">\n  <AssumeRoleResult>\n    <AssumedRoleUser>\n      \
         <AssumedRoleId>{role_id}:{s}</AssumedRoleId>\n      \
         <Arn>arn:aws:sts::{account}:assumed-role/{name}/{s}</Arn>\n    </AssumedRoleUser>\n    \
         <Credentials>\n      <AccessKeyId>{access_key}</AccessKeyId>\n      \
         <SecretAccessKey>{secret}</SecretAccessKey>\n      \
         <SessionToken>{token}</SessionToken>\n      \
         <Expiration>{exp}</Expiration>\n    </Credentials>\n  </AssumeRoleResult>\n  \
         <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n\
         </AssumeRoleResponse>\n",
        s = xml_escape(session),
        name = xml_escape(role_name),
        exp = format_date(wall + duration),
    );
    Reply::xml(200, xml)
}

const ALNUM: [u8; 62] = *b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `arn:aws:iam::123456789012:role/path/name` → (account, name).
pub(crate) fn parse_role_arn(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (arn_, _partition, service, _region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let ok = arn_ == "arn"
        && service == "iam"
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit());
    let path = resource.strip_prefix("role/")?;
    let name = path.rsplit('/').next().filter(|n| !n.is_empty())?;
    ok.then_some((account, name))
}

/// An STS error as the SDK's `rest_xml_wrapped_errors` parses it.
fn error(status: u16, code: &str, message: &str, request_id: &str) -> Reply {
    let xml = format!(
        "<ErrorResponse xmlns=\"{NS}\">\n  <Error>\n    <Type>Sender</Type>\n    \
         <Code>{code}</Code>\n    <Message>{}</Message>\n  </Error>\n  \
         <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n",
        xml_escape(message)
    );
    Reply::xml(status, xml)
}
