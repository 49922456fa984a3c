//! The chaos schedule: episodes of 10 to 40 seconds, one after another, drawn from the seed.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_backup_sim::Faults;

use super::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Episode {
    Calm,
    /// Every call throttled.
    ThrottleStorm,
    /// Every other call throttled.
    ThrottleHalf,
    /// 5xx on every call, or every other.
    ServerErrors,
    /// Every answer later than `aws.timeout`.
    Stall,
    /// Every third answer an HTTP 200 with a truncated JSON body.
    Malformed,
    /// Listings whose NextToken leads back to their first page.
    LoopingToken,
}

impl Episode {
    const ALL: [Episode; 7] = [
        Episode::Calm,
        Episode::ThrottleStorm,
        Episode::ThrottleHalf,
        Episode::ServerErrors,
        Episode::Stall,
        Episode::Malformed,
        Episode::LoopingToken,
    ];

    fn name(self) -> &'static str {
        match self {
            Episode::Calm => "calm",
            Episode::ThrottleStorm => "throttle_storm",
            Episode::ThrottleHalf => "throttle_half",
            Episode::ServerErrors => "server_errors",
            Episode::Stall => "stall",
            Episode::Malformed => "malformed",
            Episode::LoopingToken => "looping_token",
        }
    }

    fn faults(self, rng: &mut Rng) -> Faults {
        let f = Faults::default();
        match self {
            Episode::Calm => f,
            Episode::ThrottleStorm => Faults {
                throttle_every: Some(1),
                ..f
            },
            Episode::ThrottleHalf => Faults {
                throttle_every: Some(2),
                ..f
            },
            Episode::ServerErrors => Faults {
                unavailable_every: Some(rng.range(1, 3) as u32),
                ..f
            },
            // The exporter's aws.timeout is 2 s.
            Episode::Stall => Faults {
                latency: Duration::from_millis(3000),
                ..f
            },
            Episode::Malformed => Faults {
                malformed_every: Some(3),
                ..f
            },
            Episode::LoopingToken => Faults {
                loop_tokens: true,
                ..f
            },
        }
    }
}

pub struct Chaos {
    rng: Rng,
    /// Episodes last 10-40 s divided by this.
    scale: u64,
    until: Instant,
    counts: BTreeMap<Episode, usize>,
}

impl Chaos {
    pub fn new(rng: Rng, scale: u64) -> Chaos {
        Chaos {
            rng,
            scale,
            until: Instant::now(),
            counts: BTreeMap::new(),
        }
    }

    /// The faults of the next episode when the current one is over.
    pub fn step(&mut self) -> Option<Faults> {
        if Instant::now() < self.until {
            return None;
        }
        // Every other episode is calm, so that the exporter also gets to make progress.
        let calm_turn = self.counts.values().sum::<usize>() % 2 == 0;
        let episode = if calm_turn {
            Episode::Calm
        } else {
            *self.rng.pick(&Episode::ALL[1..])
        };
        *self.counts.entry(episode).or_default() += 1;
        self.until = Instant::now() + Duration::from_secs(self.rng.range(10, 40) / self.scale);
        Some(episode.faults(&mut self.rng))
    }

    /// `kind:count,…`
    pub fn summary(&self) -> String {
        self.counts
            .iter()
            .map(|(e, n)| format!("{}:{n}", e.name()))
            .collect::<Vec<_>>()
            .join(",")
    }
}
