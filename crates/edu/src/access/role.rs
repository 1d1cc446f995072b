//! Resolving a delegated caller's role in classes from the stored roster: the one use
//! case of the access rules that needs the store.

use std::collections::HashSet;

use edugraph_store::{Relation, Store, StoreError};

use super::ClassRole;

/// The role of user `user` in each of `class_ids`, in their order, in two reads whatever
/// their number: a teacher (the class's teachers are members too, so a teacher is never
/// counted a student), a student (a member), or neither.
pub async fn class_roles(
    store: &dyn Store,
    tenant: &str,
    class_ids: &[String],
    user: &str,
) -> Result<Vec<ClassRole>, StoreError> {
    let linked = |relation| async move {
        let ids = store.linked_from(tenant, relation, class_ids, user).await?;
        Ok::<HashSet<String>, StoreError>(ids.into_iter().collect())
    };
    let teaches = linked(Relation::ClassTeachers).await?;
    let belongs = linked(Relation::ClassMembers).await?;
    Ok(class_ids
        .iter()
        .map(|id| {
            if teaches.contains(id) {
                ClassRole::Teacher
            } else if belongs.contains(id) {
                ClassRole::Student
            } else {
                ClassRole::Other
            }
        })
        .collect())
}

/// The role of user `user` in class `class_id` (see [`class_roles`]).
pub async fn class_role(
    store: &dyn Store,
    tenant: &str,
    class_id: &str,
    user: &str,
) -> Result<ClassRole, StoreError> {
    let roles = class_roles(store, tenant, &[class_id.to_string()], user).await?;
    Ok(roles.first().copied().unwrap_or(ClassRole::Other))
}
