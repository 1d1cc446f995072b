//! The HTTP surfaces: one router, one middleware stack, the Graph dispatcher and the
//! operator endpoints.

pub mod forwarded;
pub mod graph;
pub mod middleware;
pub mod operator;
pub mod router;

pub use router::app;
