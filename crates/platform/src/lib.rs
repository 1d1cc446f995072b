//! The pieces every surface of the edugraph process shares and that belong to none of
//! them: the layered configuration ([`config`]) and the Graph error envelope with the
//! request ids it reports ([`error`]). The token authority (`edugraph-identity`) and the
//! Graph and operator surfaces (`edugraph-server`) both build on it.

pub mod config;
pub mod error;
pub mod forwarded;
