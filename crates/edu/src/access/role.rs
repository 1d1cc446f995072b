//! Resolving a delegated caller's role in a class from the stored roster: the one use
//! case of the access rules that needs the store.

use edugraph_store::{Relation, Store, StoreError};

use super::ClassRole;

/// The role of user `user` in class `class_id`: a teacher (the class's teachers are
/// members too, so a teacher is never counted a student), a student (a member), or
/// neither.
pub async fn class_role(
    store: &dyn Store,
    tenant: &str,
    class_id: &str,
    user: &str,
) -> Result<ClassRole, StoreError> {
    if store
        .has_link(tenant, Relation::ClassTeachers, class_id, user)
        .await?
    {
        return Ok(ClassRole::Teacher);
    }
    if store
        .has_link(tenant, Relation::ClassMembers, class_id, user)
        .await?
    {
        return Ok(ClassRole::Student);
    }
    Ok(ClassRole::Other)
}
