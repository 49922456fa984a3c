//! Rendering off the runtime. Targets hand their snapshots to one renderer task, which takes
//! every snapshot waiting, merges and encodes them in both formats and compresses them, on a
//! blocking thread, then swaps the bytes in. A scrape reads the last rendered bytes and adds
//! the few live families; it never waits on a refresh.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, RwLock};

use bytes::Bytes;
use prometheus_client::encoding::text::encode_registry;
use prometheus_client::registry::Registry;
use tokio::sync::{mpsc, watch};
use tracing::info;

use super::classic;
use super::format::Format;
use super::gzip::GzipPrefix;
use super::merge::{MergeSettings, Merged, Refused};
use super::self_metrics::SelfMetrics;
use crate::aggregate::Snapshot;
use crate::collect::{BoxFuture, Publish};

/// The job metrics, rendered once per batch of snapshots in both formats, plain and
/// compressed.
#[derive(Debug, Default)]
struct Rendered {
    openmetrics: Bytes,
    classic: Bytes,
    openmetrics_gz: GzipPrefix,
    classic_gz: GzipPrefix,
}

impl Rendered {
    fn new(merged: Merged) -> Rendered {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(merged));
        let mut openmetrics = String::new();
        encode_registry(&mut openmetrics, &registry).expect("writing to a String cannot fail");
        let classic = classic::from_openmetrics(&openmetrics);
        Rendered {
            openmetrics_gz: GzipPrefix::new(openmetrics.as_bytes()),
            classic_gz: GzipPrefix::new(classic.as_bytes()),
            openmetrics: Bytes::from(openmetrics),
            classic: Bytes::from(classic),
        }
    }
}

/// The job metrics of `merged` as OpenMetrics and as text format 0.0.4.
#[cfg(test)]
pub(super) fn render_both(merged: Merged) -> (String, String) {
    let r = Rendered::new(merged);
    let om = String::from_utf8(r.openmetrics.to_vec()).expect("UTF-8");
    let classic = String::from_utf8(r.classic.to_vec()).expect("UTF-8");
    (om + "# EOF\n", classic)
}

/// What /metrics serves: the last rendered job metrics plus the live families.
#[derive(Debug)]
pub struct Exposition {
    self_metrics: Arc<SelfMetrics>,
    jobs: RwLock<Arc<Rendered>>,
}

impl Exposition {
    /// The whole exposition in `format`, gzip-compressed if `gzip`, as chunks to send in
    /// order: the pre-rendered job metrics are shared, not copied, into each response.
    pub fn render_chunks(&self, format: Format, gzip: bool) -> Vec<Bytes> {
        let jobs = self.jobs.read().unwrap_or_else(|e| e.into_inner()).clone();
        let mut live = String::with_capacity(4096);
        self.self_metrics.encode(&mut live);
        let (prefix, prefix_gz, tail) = match format {
            Format::OpenMetrics => {
                live.push_str("# EOF\n");
                (&jobs.openmetrics, &jobs.openmetrics_gz, live)
            }
            Format::Classic => (
                &jobs.classic,
                &jobs.classic_gz,
                classic::from_openmetrics(&live),
            ),
        };
        if gzip {
            return vec![Bytes::from(prefix_gz.finish(tail.as_bytes()))];
        }
        vec![prefix.clone(), Bytes::from(tail)]
    }

    /// The whole exposition in `format`, gzip-compressed if `gzip`, in one buffer.
    pub fn render(&self, format: Format, gzip: bool) -> Vec<u8> {
        self.render_chunks(format, gzip).concat()
    }

    fn swap(&self, rendered: Rendered) {
        *self.jobs.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(rendered);
    }
}

/// A snapshot on its way to the renderer, numbered so its sender can wait until it is
/// served.
struct Submitted {
    target: String,
    snapshot: Snapshot,
    seq: u64,
}

/// What the renderer task owns: every target's last snapshot, and what the cap refused.
struct Merger {
    settings: MergeSettings,
    snapshots: BTreeMap<String, Snapshot>,
    refused: Refused,
}

impl Merger {
    fn render(&mut self) -> Rendered {
        Rendered::new(Merged::new(
            self.snapshots.values(),
            &self.settings,
            &mut self.refused,
        ))
    }
}

/// Renders shorter than this are not spaced out: small setups publish at once.
const CHEAP_RENDER: std::time::Duration = std::time::Duration::from_millis(20);
/// At most one part in ten of the time goes to rendering…
const RENDER_IDLE_FACTOR: u32 = 9;
/// …and the gap between renders stays below this.
const MAX_RENDER_IDLE: std::time::Duration = std::time::Duration::from_secs(30);

/// How long to wait after a render before the next: with a thousand targets publishing one
/// after the other, rendering every snapshot as it came kept a core half busy re-rendering
/// 16 MB; waiting nine times the render's duration lets the snapshots that arrive meanwhile
/// share one render.
fn idle_after(render: std::time::Duration) -> std::time::Duration {
    if render < CHEAP_RENDER {
        return std::time::Duration::ZERO;
    }
    (render * RENDER_IDLE_FACTOR).min(MAX_RENDER_IDLE)
}

/// The renderer's front: targets publish through it, /metrics and /readyz read from it.
pub struct Renderer {
    exposition: Arc<Exposition>,
    /// Numbers snapshots in the order they enter the channel, so that "snapshot N is served"
    /// means every earlier one is too.
    sender: Mutex<(u64, mpsc::UnboundedSender<Submitted>)>,
    served: watch::Receiver<u64>,
    /// Targets that have not finished their first round.
    pending: Mutex<BTreeSet<String>>,
}

impl Renderer {
    /// Starts the renderer task (on the current runtime), with the exposition as it is before
    /// any target reported: the exporter's own metrics and the static families.
    pub fn start(
        settings: MergeSettings,
        self_metrics: Arc<SelfMetrics>,
        targets: impl IntoIterator<Item = String>,
    ) -> Arc<Renderer> {
        let mut merger = Merger {
            settings,
            snapshots: BTreeMap::new(),
            refused: Refused::default(),
        };
        let exposition = Arc::new(Exposition {
            self_metrics,
            jobs: RwLock::new(Arc::new(merger.render())),
        });
        let (tx, mut rx) = mpsc::unbounded_channel::<Submitted>();
        let (served_tx, served) = watch::channel(0u64);
        let swap_into = exposition.clone();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut last = first.seq;
                merger.snapshots.insert(first.target, first.snapshot);
                // Everything else already waiting goes into the same rendering.
                while let Ok(more) = rx.try_recv() {
                    last = last.max(more.seq);
                    merger.snapshots.insert(more.target, more.snapshot);
                }
                let started = std::time::Instant::now();
                let rendered = tokio::task::spawn_blocking(move || {
                    let r = merger.render();
                    (merger, r)
                })
                .await;
                let took = started.elapsed();
                let Ok((m, r)) = rendered else {
                    // The rendering panicked: keep serving the last good bytes.
                    tracing::error!("rendering the exposition failed; serving the last one");
                    return;
                };
                merger = m;
                swap_into.swap(r);
                let _ = served_tx.send(last);
                tokio::time::sleep(idle_after(took)).await;
            }
        });
        Arc::new(Renderer {
            exposition,
            sender: Mutex::new((0, tx)),
            served,
            pending: Mutex::new(targets.into_iter().collect()),
        })
    }

    pub fn exposition(&self) -> &Arc<Exposition> {
        &self.exposition
    }

    /// `Err` names the targets whose first round has not finished.
    pub fn readiness(&self) -> Result<(), String> {
        let p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if p.is_empty() {
            Ok(())
        } else {
            let names: Vec<&str> = p.iter().map(String::as_str).collect();
            Err(format!(
                "first refresh (backfill) still running for targets: {}",
                names.join(", ")
            ))
        }
    }
}

impl Publish for Renderer {
    fn publish(&self, target: &str, snapshot: Snapshot) -> BoxFuture<'_, ()> {
        let (seq, sent) = {
            let mut s = self.sender.lock().unwrap_or_else(|e| e.into_inner());
            s.0 += 1;
            let seq = s.0;
            let sent = s.1.send(Submitted {
                target: target.to_owned(),
                snapshot,
                seq,
            });
            (seq, sent)
        };
        let mut served = self.served.clone();
        Box::pin(async move {
            if sent.is_ok() {
                // Fails only if the renderer stopped; then there is nothing to wait for.
                let _ = served.wait_for(|&s| s >= seq).await;
            }
        })
    }

    fn first_round_done(&self, target: &str) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if p.remove(target) && p.is_empty() {
            info!("every target finished its first refresh: ready");
        }
    }
}

#[cfg(test)]
mod idle_tests {
    use super::idle_after;
    use std::time::Duration;

    #[test]
    fn only_expensive_renders_are_spaced_out_and_never_by_more_than_30_s() {
        assert_eq!(idle_after(Duration::from_millis(19)), Duration::ZERO);
        assert_eq!(
            idle_after(Duration::from_millis(100)),
            Duration::from_millis(900)
        );
        assert_eq!(
            idle_after(Duration::from_millis(1500)),
            Duration::from_millis(13_500)
        );
        assert_eq!(idle_after(Duration::from_secs(10)), Duration::from_secs(30));
    }
}
