//! Size limits of the grading entities. Graph documents none of these; they are
//! edugraph's choice **[inferred]**, generous for any real class (Teams' own rubric editor
//! stops well below them) and small enough that no body can make a document of megabytes.

/// Any `displayName` (category, grading category, scheme, grade, rubric, level, quality).
pub const MAX_DISPLAY_NAME: usize = 256;
/// The `content` of a rubric's, level's, quality's or criterion's `description`.
pub const MAX_DESCRIPTION: usize = 4_000;
/// Levels (columns) of a rubric; also bounds the criteria of each quality.
pub const MAX_LEVELS: usize = 50;
/// Qualities (rows) of a rubric.
pub const MAX_QUALITIES: usize = 50;
/// Grades of a grading scheme.
pub const MAX_GRADES: usize = 100;
/// `assignmentDefaults.notificationChannelUrl`.
pub const MAX_URL: usize = 2_048;
/// Points a rubric level may be worth: finite, non-negative and below this (BEHAVIOR §0.9,
/// the bound Graph applies to points everywhere).
pub const MAX_POINTS: f64 = 9_999_999.0;
/// Tolerance when comparing a sum of weights (JSON numbers, added as `f64`) with 100.
pub const WEIGHT_TOLERANCE: f64 = 1e-9;
