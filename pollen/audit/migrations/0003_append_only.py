"""On PostgreSQL, audit events can be added and sealed, never rewritten, deleted or truncated.

A trigger, not only privileges, because most deployments run Pollen under the role that owns the
tables (docs/deployment.md describes the stronger two-role setup). The one way through is
maintenance: a session that sets `pollen.audit_maintenance = 'on'` *and* acts as the table's
owner (the test database's flush, a deliberate repair). Elsewhere (SQLite) this is a no-op.
"""

from django.db import migrations

GUARD = (
    """
CREATE OR REPLACE FUNCTION pollen_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('pollen.audit_maintenance', true) = 'on'
       AND pg_has_role(current_user,
                       (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    -- Sealing: an event without a chain receives it, and nothing else of the row changes.
    IF TG_OP = 'UPDATE' AND OLD.chain IS NULL AND NEW.chain IS NOT NULL
       AND to_jsonb(NEW) - 'chain' = to_jsonb(OLD) - 'chain' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'Pollen''s audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit events are never rewritten or deleted; see docs/deployment.md.';
END
$$""",
    """CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION pollen_audit_guard()""",
    """CREATE TRIGGER audit_auditevent_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION pollen_audit_guard()""",
)

UNGUARD = (
    "DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent",
    "DROP FUNCTION IF EXISTS pollen_audit_guard()",
)


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)  # None: its % are not placeholders

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain")]

    operations = [migrations.RunPython(_on_postgresql(GUARD), _on_postgresql(UNGUARD))]
