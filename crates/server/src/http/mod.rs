//! The HTTP surfaces: one router, one middleware stack, the Graph dispatcher and the
//! operator endpoints.

pub mod bounds;
pub mod graph;
pub mod middleware;
pub mod operator;
pub mod router;
pub mod uploads;
pub mod wire;

pub use router::{app, App};
