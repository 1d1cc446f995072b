//! Request-body checks (filled in next).
