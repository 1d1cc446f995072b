//! The domain layer of edugraph: who the caller is and what they may do, the rules for
//! roster entities (validation, read-only and required properties), the class grading
//! set-up and rubrics (`grading`), the contained sets' catalog and use cases (`sets`), the
//! entity writes (unit of work, compare-and-swap, entity tags), the generated demo tenant,
//! and the School Data Sync engine that applies roster files to a tenant (`sync`). Knows
//! nothing of HTTP.

pub mod access;
pub mod caller;
pub mod clock;
pub mod demo;
pub mod grading;
pub mod roster;
pub mod sets;
pub mod sync;
pub mod writes;

pub use caller::Caller;
pub use clock::{Clock, SystemClock};
