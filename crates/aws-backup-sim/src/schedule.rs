//! Schedules that fire every `period` seconds at `offset` past the epoch-aligned period, and
//! the AWS cron expressions that describe them: one definition, so what the generator runs
//! and what the API says it runs cannot drift apart.

use std::fmt::Write as _;

const HOUR: i64 = 3600;

/// Occurrences `k` of a schedule (`k·period + offset`) that fall in `(from, to]`.
pub(crate) fn occurrences(
    period: i64,
    offset: i64,
    from: i64,
    to: i64,
) -> impl Iterator<Item = (i64, i64)> {
    let k0 = (from - offset).div_euclid(period) + 1;
    let k1 = (to - offset).div_euclid(period);
    (k0..=k1).map(move |k| (k, k * period + offset))
}

/// The newest occurrence at or before `t`.
pub(crate) fn last_at(period: i64, offset: i64, t: i64) -> i64 {
    (t - offset).div_euclid(period) * period + offset
}

/// AWS's six-field cron (minutes hours day-of-month month day-of-week year) for a schedule
/// whose period divides a day into whole hours; the epoch starts at midnight UTC, so the
/// occurrences fall on the same UTC hours every day. `None` for any other period.
pub(crate) fn cron(period: i64, offset: i64) -> Option<String> {
    if period <= 0 || period % HOUR != 0 || 86_400 % period != 0 || offset % 60 != 0 {
        return None;
    }
    let offset = offset.rem_euclid(period);
    let minute = offset % HOUR / 60;
    let hours = if period == HOUR {
        "*".to_owned()
    } else {
        let mut h = String::new();
        let mut at = offset / HOUR;
        while at < 24 {
            if !h.is_empty() {
                h.push(',');
            }
            let _ = write!(h, "{at}");
            at += period / HOUR;
        }
        h
    };
    Some(format!("cron({minute} {hours} ? * * *)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crons_name_the_hours_and_minute_a_schedule_fires_at() {
        assert_eq!(cron(HOUR, 37 * 60).as_deref(), Some("cron(37 * ? * * *)"));
        assert_eq!(
            cron(12 * HOUR, 3 * HOUR + 5 * 60).as_deref(),
            Some("cron(5 3,15 ? * * *)")
        );
        assert_eq!(
            cron(6 * HOUR, 5 * HOUR).as_deref(),
            Some("cron(0 5,11,17,23 ? * * *)")
        );
        assert_eq!(
            cron(86_400, 23 * HOUR + 59 * 60).as_deref(),
            Some("cron(59 23 ? * * *)")
        );
        assert_eq!(cron(7 * HOUR, 0), None);
        assert_eq!(cron(HOUR, 30), None);
        // Every occurrence falls on the cron's hour and minute.
        for (_, t) in occurrences(12 * HOUR, 3 * HOUR + 300, 0, 10 * 86_400) {
            let (h, m) = (t % 86_400 / HOUR, t % HOUR / 60);
            assert!(h == 3 || h == 15, "{h}");
            assert_eq!(m, 5);
        }
        assert_eq!(last_at(HOUR, 600, 7200 + 599), 3600 + 600);
        assert_eq!(last_at(HOUR, 600, 7200 + 600), 7200 + 600);
    }
}
