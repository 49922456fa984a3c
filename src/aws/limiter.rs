//! The client-side rate limiter of one target: calls are spaced `1 / rate` seconds apart, so a
//! large backfill never bursts into AWS's account-wide request quota, and the rate adapts:
//! halved on every throttled attempt (multiplicative decrease), raised by a fifth of the
//! configured rate on every other attempt (additive increase), never below a floor.
//!
//! The fifth is chosen so that with a third of all attempts throttled (two successes per
//! throttle) the calls still flow at about half the configured rate: the rate cycles through
//! 0.8, 0.4 and 0.6 of it (`x = x/2 + 2·max/5` gives `x = 0.8·max`), three calls in
//! `(1/0.8 + 1/0.4 + 1/0.6)/max = 5.4/max` seconds, 0.55 of the configured throughput. Against
//! AWS, whose throttling follows the request rate, that backs off until the throttles stop,
//! then climbs back within a few calls.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The lowest rate, as a fraction of the configured one.
const FLOOR_FRACTION: f64 = 1.0 / 32.0;
/// The additive step, as a fraction of the configured rate.
const STEP_FRACTION: f64 = 1.0 / 5.0;

#[derive(Debug)]
struct State {
    rate: f64,
    next: Instant,
}

#[derive(Debug)]
pub struct RateLimiter {
    max: f64,
    floor: f64,
    state: Mutex<State>,
}

impl RateLimiter {
    /// `per_second` is validated by the config (at least 0.01).
    pub fn new(per_second: f64) -> Self {
        RateLimiter {
            max: per_second,
            floor: per_second * FLOOR_FRACTION,
            state: Mutex::new(State {
                rate: per_second,
                next: Instant::now(),
            }),
        }
    }

    /// Waits for this call's turn.
    pub async fn acquire(&self) {
        let at = {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let at = s.next.max(now);
            s.next = at + Duration::from_secs_f64(1.0 / s.rate);
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// An attempt was throttled: halve the rate.
    pub fn throttled(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.rate = (s.rate / 2.0).max(self.floor);
    }

    /// An attempt was not throttled: recover a step.
    pub fn not_throttled(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.rate = (s.rate + self.max * STEP_FRACTION).min(self.max);
    }

    /// The current rate, calls per second.
    #[cfg(test)]
    pub fn rate(&self) -> f64 {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_on_throttles_recovers_additively_and_keeps_a_floor() {
        let l = RateLimiter::new(16.0);
        l.throttled();
        assert_eq!(l.rate(), 8.0);
        l.not_throttled();
        assert!((l.rate() - 11.2).abs() < 1e-9, "{}", l.rate());
        for _ in 0..100 {
            l.throttled();
        }
        assert_eq!(l.rate(), 0.5);
        for _ in 0..100 {
            l.not_throttled();
        }
        assert_eq!(l.rate(), 16.0);
    }

    #[test]
    fn a_third_throttled_settles_at_half_the_rate() {
        let l = RateLimiter::new(10.0);
        for _ in 0..200 {
            l.throttled();
            l.not_throttled();
            l.not_throttled();
        }
        // Just after two successes the rate is at the top of its cycle: 0.8 of the maximum.
        assert!((l.rate() - 8.0).abs() < 1e-9, "{}", l.rate());
        l.throttled();
        assert!((l.rate() - 4.0).abs() < 1e-9, "{}", l.rate());
    }

    #[tokio::test(start_paused = true)]
    async fn calls_are_spaced_by_the_current_rate() {
        let l = RateLimiter::new(4.0);
        let t0 = Instant::now();
        l.acquire().await;
        l.acquire().await;
        assert_eq!(Instant::now() - t0, Duration::from_millis(250));
        l.throttled();
        l.acquire().await;
        l.acquire().await;
        assert_eq!(Instant::now() - t0, Duration::from_millis(1000));
    }
}
