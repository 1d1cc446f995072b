//! Resolving a delegated caller's role in classes from the stored roster: the one use
//! case of the access rules that needs the store.

use std::collections::HashSet;

use edugraph_store::{Relation, Store, StoreError};

use super::ClassRole;

/// A teacher (the class's teachers are members too, so a teacher is never counted a
/// student), a student (a member), or neither.
fn role(teaches: bool, member: bool) -> ClassRole {
    if teaches {
        ClassRole::Teacher
    } else if member {
        ClassRole::Student
    } else {
        ClassRole::Other
    }
}

/// The role of user `user` in each of `class_ids`, in their order, in two reads whatever
/// their number (a page's `$expand`).
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
        .map(|id| role(teaches.contains(id), belongs.contains(id)))
        .collect())
}

/// The role of user `user` in class `class_id`: two point lookups with the store's
/// prepared statements (every delegated read of a class goes through here).
pub async fn class_role(
    store: &dyn Store,
    tenant: &str,
    class_id: &str,
    user: &str,
) -> Result<ClassRole, StoreError> {
    let has = |relation| store.has_link(tenant, relation, class_id, user);
    if has(Relation::ClassTeachers).await? {
        return Ok(ClassRole::Teacher);
    }
    Ok(role(false, has(Relation::ClassMembers).await?))
}
