//! Metric families and rendering: the targets' snapshots merged (`merge`), encoded
//! (`encode`), rendered off the runtime in both formats and pre-compressed (`render`), plus
//! the exporter's own live families (`self_metrics`, `process`).

mod classic;
mod encode;
mod format;
mod gzip;
mod inventory;
mod merge;
mod names;
mod process;
mod render;
mod self_metrics;

#[cfg(test)]
mod tests;

pub use format::Format;
pub use merge::MergeSettings;
pub use render::Renderer;
pub use self_metrics::SelfMetrics;
