//! The HTTP side: routes (`respond`), content negotiation (`negotiate`), a zero-copy body
//! (`body`) and the hyper server (`server`). Knows nothing of AWS.

mod body;
mod negotiate;
mod respond;
mod server;

pub use respond::Source;
pub use server::serve;
