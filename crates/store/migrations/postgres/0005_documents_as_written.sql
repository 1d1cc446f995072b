-- Entity documents are kept exactly as the server wrote them, as SQLite keeps them:
-- `jsonb` reorders keys (shortest first, so `@odata.type` landed mid-object) and re-spaces
-- the text, while OData JSON puts control information first and streaming readers rely on
-- it. A `json` column stores the text as given; the `->`/`->>` operators and the
-- expression indexes work on it unchanged (PostgreSQL reparses each index expression for
-- the new type, so the index definitions and their names stay those of 0001).
--
-- Existing documents lost their order when they were stored as `jsonb`; they are written
-- back compact (no spaces, as serde_json writes) with `@odata.type` and `id` first and the
-- other properties by name, recursively.
CREATE FUNCTION edugraph_compact_json(j jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    CASE jsonb_typeof(j)
        WHEN 'object' THEN
            RETURN '{' || COALESCE((
                SELECT string_agg(to_jsonb(k)::text || ':' || edugraph_compact_json(v), ','
                                  ORDER BY k <> '@odata.type', k <> 'id', k COLLATE "C")
                FROM jsonb_each(j) AS e(k, v)), '') || '}';
        WHEN 'array' THEN
            RETURN '[' || COALESCE((
                SELECT string_agg(edugraph_compact_json(v), ',' ORDER BY n)
                FROM jsonb_array_elements(j) WITH ORDINALITY AS a(v, n)), '') || ']';
        ELSE
            RETURN j::text;
    END CASE;
END
$$;

ALTER TABLE entities ALTER COLUMN doc TYPE json USING edugraph_compact_json(doc)::json;

DROP FUNCTION edugraph_compact_json(jsonb);
