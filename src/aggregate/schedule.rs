//! Schedules: how long AWS Backup waits between two runs of a backup rule (or a restore
//! testing plan), from its expression in AWS's dialect and its time zone.
//!
//! AWS writes `cron(Minutes Hours Day-of-month Month Day-of-week Year)`: six fields, `?` in one
//! of the day fields, Quartz weekdays (1-7 = SUN-SAT, names too), `L`, `W`, `#`, ranges,
//! steps (`0/15` included) and lists; `rate(N unit)` also occurs. croner evaluates the cron
//! (given a zero seconds field, in Quartz-weekday mode); chrono-tz gives the time zone, so a
//! daily run at 05:00 in New York is 25 hours after the one before on the day DST ends.

use std::str::FromStr;

use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// Runs are looked at over this horizon from the hour `now` is in.
pub const HORIZON_SECONDS: i64 = 14 * 86_400;

/// However dense a schedule, at most this many runs are looked at (AWS's backup rules run
/// at most hourly: 336 runs in 14 days).
const MAX_RUNS: usize = 5_000;

/// Why an expression gives no interval.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("not a cron(…) or rate(…) expression")]
    Syntax,
    #[error("cron expression: {0}")]
    Cron(String),
    #[error("unknown time zone {0:?}")]
    TimeZone(String),
    #[error("no two runs within a year")]
    TooRare,
}

/// A parsed schedule, ready to be asked for its interval at any time.
#[derive(Clone, Debug)]
pub enum Schedule {
    Cron(Box<Cron>, Tz),
    Rate(f64),
}

impl Schedule {
    /// Parses `expression` (`cron(…)`, a bare six-field cron, or `rate(…)`) to run in
    /// `timezone` (an IANA name; empty means UTC).
    pub fn parse(expression: &str, timezone: &str) -> Result<Schedule, ScheduleError> {
        let e = expression.trim();
        if let Some(inner) = strip_call(e, "rate") {
            return rate(inner).map(Schedule::Rate);
        }
        let fields = strip_call(e, "cron").unwrap_or(e);
        let tz = match timezone.trim() {
            "" => Tz::UTC,
            name => Tz::from_str(name).map_err(|_| ScheduleError::TimeZone(name.to_owned()))?,
        };
        if fields.split_whitespace().count() != 6 {
            return Err(ScheduleError::Syntax);
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Required)
            .year(Year::Required)
            .alternative_weekdays(true)
            .sloppy_ranges(true)
            .build()
            .parse(&format!("0 {fields}"))
            .map_err(|e| ScheduleError::Cron(e.to_string()))?;
        Ok(Schedule::Cron(Box::new(cron), tz))
    }

    /// The longest gap between consecutive runs over the 14 days from the hour `now` is in
    /// (at least the gap after the first run, for schedules rarer than that). Anchored on the
    /// hour so that two exporters agree whenever they ask within it.
    pub fn interval(&self, now: f64) -> Result<f64, ScheduleError> {
        let (cron, tz) = match self {
            Schedule::Rate(seconds) => return Ok(*seconds),
            Schedule::Cron(cron, tz) => (cron, tz),
        };
        let start = (now / 3600.0).floor() as i64 * 3600;
        let Some(mut t) = tz.timestamp_opt(start, 0).single() else {
            return Err(ScheduleError::TooRare);
        };
        let horizon = start + HORIZON_SECONDS;
        let limit = start + 400 * 86_400;
        let mut previous: Option<i64> = None;
        let mut longest: Option<i64> = None;
        for _ in 0..MAX_RUNS {
            let Ok(next) = cron.find_next_occurrence::<DateTime<Tz>>(&t, false) else {
                break;
            };
            let at = next.timestamp();
            if at > limit || (at > horizon && longest.is_some()) {
                break;
            }
            if let Some(p) = previous {
                longest = Some(longest.map_or(at - p, |l: i64| l.max(at - p)));
            }
            previous = Some(at);
            t = next;
        }
        longest.map(|s| s as f64).ok_or(ScheduleError::TooRare)
    }
}

/// `name(inner)` → `inner`.
fn strip_call<'a>(e: &'a str, name: &str) -> Option<&'a str> {
    let rest = e.strip_prefix(name)?.trim_start();
    Some(rest.strip_prefix('(')?.strip_suffix(')')?.trim())
}

/// `rate(12 hours)` → 43200.
fn rate(inner: &str) -> Result<f64, ScheduleError> {
    let (n, unit) = inner.split_once(' ').ok_or(ScheduleError::Syntax)?;
    let n: u32 = n.trim().parse().map_err(|_| ScheduleError::Syntax)?;
    let unit = match unit.trim() {
        "minute" | "minutes" => 60,
        "hour" | "hours" => 3600,
        "day" | "days" => 86_400,
        _ => return Err(ScheduleError::Syntax),
    };
    if n == 0 {
        return Err(ScheduleError::Syntax);
    }
    Ok(f64::from(n) * f64::from(unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-01T00:00:00Z, a Tuesday.
    const DEC_1: f64 = 1_796_083_200.0;
    /// 2026-10-28T00:00:00Z: New York leaves DST on Sunday 2026-11-01.
    const OCT_28: f64 = 1_793_145_600.0;

    fn interval(cron: &str, tz: &str, now: f64) -> Result<f64, ScheduleError> {
        Schedule::parse(cron, tz)?.interval(now)
    }

    #[test]
    fn the_issue_examples() {
        assert_eq!(interval("cron(0 5 ? * * *)", "", DEC_1), Ok(86_400.0));
        assert_eq!(interval("cron(0 */6 ? * * *)", "", DEC_1), Ok(21_600.0));
        assert_eq!(interval("cron(0 3 ? * SUN *)", "", DEC_1), Ok(604_800.0));
        assert_eq!(interval("cron(0 1,7 ? * * *)", "", DEC_1), Ok(64_800.0));
    }

    #[test]
    fn quartz_weekdays_steps_lists_and_ranges() {
        // 1 is Sunday in AWS's dialect: the same as SUN.
        assert_eq!(interval("cron(0 3 ? * 1 *)", "", DEC_1), Ok(604_800.0));
        // Weekdays only: Friday 05:00 to Monday 05:00.
        assert_eq!(
            interval("cron(0 5 ? * MON-FRI *)", "", DEC_1),
            Ok(3.0 * 86_400.0)
        );
        assert_eq!(
            interval("cron(0 5 ? * 2-6 *)", "", DEC_1),
            Ok(3.0 * 86_400.0)
        );
        // A start with a step, as the console writes it.
        assert_eq!(interval("cron(0 0/8 ? * * *)", "", DEC_1), Ok(28_800.0));
        assert_eq!(interval("cron(15 * ? * * *)", "", DEC_1), Ok(3_600.0));
        // Without the cron(…) wrapper, as some APIs give it.
        assert_eq!(interval("0 5 ? * * *", "Etc/UTC", DEC_1), Ok(86_400.0));
    }

    #[test]
    fn monthly_forms_last_nth_and_weekday() {
        // The last day of the month: from 31 December to 31 January.
        assert_eq!(
            interval("cron(0 5 L * ? *)", "", DEC_1),
            Ok(31.0 * 86_400.0)
        );
        // The first Monday of the month: 7 December 2026, then 4 January 2027.
        assert_eq!(
            interval("cron(0 5 ? * 2#1 *)", "", DEC_1),
            Ok(28.0 * 86_400.0)
        );
        // The weekday nearest the 15th: Tuesday 15 December, then Friday 15 January.
        assert_eq!(
            interval("cron(0 5 15W * ? *)", "", DEC_1),
            Ok(31.0 * 86_400.0)
        );
    }

    #[test]
    fn a_daily_run_in_new_york_is_25_hours_apart_when_dst_ends() {
        assert_eq!(
            interval("cron(0 5 ? * * *)", "America/New_York", OCT_28),
            Ok(90_000.0)
        );
        // In UTC the same expression stays a day apart.
        assert_eq!(interval("cron(0 5 ? * * *)", "UTC", OCT_28), Ok(86_400.0));
        // Away from the change, New York's day is 24 hours again.
        assert_eq!(
            interval("cron(0 5 ? * * *)", "America/New_York", DEC_1),
            Ok(86_400.0)
        );
    }

    #[test]
    fn anchored_on_the_hour() {
        let at = |now| interval("cron(0 5 ? * * *)", "America/New_York", now);
        assert_eq!(at(OCT_28 + 1.0), at(OCT_28 + 3599.0));
    }

    #[test]
    fn rates_and_refusals() {
        assert_eq!(interval("rate(12 hours)", "", DEC_1), Ok(43_200.0));
        assert_eq!(interval("rate(1 day)", "", DEC_1), Ok(86_400.0));
        assert_eq!(
            interval("rate(0 days)", "", DEC_1),
            Err(ScheduleError::Syntax)
        );
        assert_eq!(
            interval("cron(0 5 * *)", "", DEC_1),
            Err(ScheduleError::Syntax)
        );
        assert_eq!(interval("every day", "", DEC_1), Err(ScheduleError::Syntax));
        assert!(matches!(
            interval("cron(0 5 ? * * *)", "Mars/Olympus", DEC_1),
            Err(ScheduleError::TimeZone(_))
        ));
        assert!(matches!(
            interval("cron(0 99 ? * * *)", "", DEC_1),
            Err(ScheduleError::Cron(_))
        ));
        // A single run in 2020: never again.
        assert_eq!(
            interval("cron(0 5 1 1 ? 2020)", "", DEC_1),
            Err(ScheduleError::TooRare)
        );
    }
}
