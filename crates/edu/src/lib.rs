//! The domain layer of edugraph: who the caller is and what they may do, the rules for
//! roster entities (validation, read-only and required properties), and the generated
//! demo tenant. Knows nothing of HTTP.

pub mod access;
pub mod caller;
pub mod clock;
pub mod demo;
pub mod roster;

pub use caller::Caller;
pub use clock::{Clock, SystemClock};
