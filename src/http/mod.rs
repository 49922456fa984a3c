//! The HTTP side: routes (`respond`), content negotiation (`negotiate`), a zero-copy body
//! (`body`), the hyper server (`server`), and the exporter-toolkit web configuration: its file
//! (`webconfig`), TLS (`tls`), basic auth (`auth`) and reloading (`reload`). Knows nothing of
//! AWS.

mod auth;
mod body;
mod negotiate;
mod reload;
mod respond;
mod server;
mod tls;
mod webconfig;

pub use reload::WebConfigFile;
pub use respond::Source;
pub use server::serve;
