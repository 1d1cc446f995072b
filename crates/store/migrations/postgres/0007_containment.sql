-- Containment (PostgreSQL). Mirrors migrations/sqlite/0007_containment.sql.
-- An entity contained in another (a class's assignment categories, a user's rubrics, and
-- later assignments, submissions and outcomes) records its container's id. Listing a
-- container's children, getting a child under the right parent and deleting a container
-- with everything under it all go through this column; top-level entities leave it NULL.
ALTER TABLE entities ADD COLUMN parent_id TEXT COLLATE "C";
CREATE INDEX entities_parent ON entities (tenant_id, parent_id, entity_type);

-- The change log keeps the container too, so a delta over one container's children
-- (`classes/{id}/assignmentCategories/delta`) reports deletions as well.
ALTER TABLE changes ADD COLUMN parent_id TEXT COLLATE "C";
CREATE INDEX changes_parent ON changes (tenant_id, entity_type, parent_id, seq);
