import type Database from "better-sqlite3";

/**
 * Adds what data subjects and sensitive fields need to a database made before them, in
 * place: `points.subject` (null for a point without a subject, as every older point is),
 * indexed with its collection and id so that a subject's points are found, and scrolled
 * in id order, without a scan; and `collections.sensitive_fields` (JSON array, null for
 * none). Idempotent.
 */
export function addSubjectColumns(db: Database.Database): void {
  const points = db.pragma("table_info(points)") as { name: string }[];
  if (!points.some((column) => column.name === "subject"))
    db.exec("ALTER TABLE points ADD COLUMN subject TEXT");
  db.exec(
    `CREATE INDEX IF NOT EXISTS points_by_subject ON points (collection_uid, subject, id)
     WHERE subject IS NOT NULL`,
  );
  const collections = db.pragma("table_info(collections)") as { name: string }[];
  if (!collections.some((column) => column.name === "sensitive_fields"))
    db.exec("ALTER TABLE collections ADD COLUMN sensitive_fields TEXT");
}
