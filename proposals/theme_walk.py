"""The triggers that keep ThemeWalk (a theme link plus its proposal's status date) exact, and their install.

Three facts move a row: a theme link is added (a row appears, dated as its proposal), a link is removed (it
goes), a proposal's status date changes (its rows follow). Triggers see every write: the admin's, the API's, a
bulk insert or a queryset update alike. They are installed after every `migrate` (post_migrate), idempotently:
SQLite drops a table's triggers when a migration rebuilds the table, and this puts them back.
"""

from django.db import DEFAULT_DB_ALIAS, connections

LINKS, WALK, PROPOSALS = "proposals_proposal_themes", "proposals_themewalk", "proposals_proposal"

POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION theme_walk_link_added() RETURNS trigger AS $$
    BEGIN
        INSERT INTO {WALK} (link_id, proposal_id, theme_id, status_date)
        SELECT NEW.id, NEW.proposal_id, NEW.theme_id, status_date FROM {PROPOSALS} WHERE id = NEW.proposal_id
        ON CONFLICT (link_id) DO UPDATE SET proposal_id = excluded.proposal_id, theme_id = excluded.theme_id,
            status_date = excluded.status_date;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION theme_walk_link_removed() RETURNS trigger AS $$
    BEGIN
        DELETE FROM {WALK} WHERE link_id = OLD.id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION theme_walk_status_date_moved() RETURNS trigger AS $$
    BEGIN
        UPDATE {WALK} SET status_date = NEW.status_date WHERE proposal_id = NEW.id;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    f"DROP TRIGGER IF EXISTS theme_walk_link_added ON {LINKS}",
    f"""CREATE TRIGGER theme_walk_link_added AFTER INSERT OR UPDATE ON {LINKS}
        FOR EACH ROW EXECUTE FUNCTION theme_walk_link_added()""",
    f"DROP TRIGGER IF EXISTS theme_walk_link_removed ON {LINKS}",
    f"""CREATE TRIGGER theme_walk_link_removed AFTER DELETE ON {LINKS}
        FOR EACH ROW EXECUTE FUNCTION theme_walk_link_removed()""",
    f"DROP TRIGGER IF EXISTS theme_walk_status_date_moved ON {PROPOSALS}",
    f"""CREATE TRIGGER theme_walk_status_date_moved AFTER UPDATE OF status_date ON {PROPOSALS}
        FOR EACH ROW WHEN (OLD.status_date IS DISTINCT FROM NEW.status_date)
        EXECUTE FUNCTION theme_walk_status_date_moved()""",
]

# SQLite has no trigger for two events: an added and a changed link each copy the link's row the same way.
_SQLITE_COPY_LINK = f"""INSERT OR REPLACE INTO {WALK} (link_id, proposal_id, theme_id, status_date)
        SELECT NEW.id, NEW.proposal_id, NEW.theme_id, status_date FROM {PROPOSALS} WHERE id = NEW.proposal_id;"""

SQLITE = [
    *(f"""CREATE TRIGGER IF NOT EXISTS {trigger} AFTER {event} ON {LINKS} BEGIN
        {_SQLITE_COPY_LINK}
    END""" for trigger, event in (("theme_walk_link_added", "INSERT"), ("theme_walk_link_changed", "UPDATE"))),
    f"""CREATE TRIGGER IF NOT EXISTS theme_walk_link_removed AFTER DELETE ON {LINKS} BEGIN
        DELETE FROM {WALK} WHERE link_id = OLD.id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS theme_walk_status_date_moved AFTER UPDATE OF status_date ON {PROPOSALS}
        WHEN OLD.status_date IS NOT NEW.status_date BEGIN
        UPDATE {WALK} SET status_date = NEW.status_date WHERE proposal_id = NEW.id;
    END""",
]

# Rows for links made before the triggers were (the migration that adds the table, or a restored backup).
FILL = f"""INSERT INTO {WALK} (link_id, proposal_id, theme_id, status_date)
    SELECT link.id, link.proposal_id, link.theme_id, proposal.status_date
    FROM {LINKS} link JOIN {PROPOSALS} proposal ON proposal.id = link.proposal_id
    WHERE link.id NOT IN (SELECT link_id FROM {WALK})"""


TRIGGERS = {"theme_walk_link_added": LINKS, "theme_walk_link_changed": LINKS, "theme_walk_link_removed": LINKS,
            "theme_walk_status_date_moved": PROPOSALS}


def uninstall(using=None):
    """Drop the triggers (before the table goes, when the migration is reversed)."""
    target = connections[using or DEFAULT_DB_ALIAS]
    with target.cursor() as cursor:
        for trigger, table in TRIGGERS.items():
            on_table = f" ON {table}" if target.vendor == "postgresql" else ""
            cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}{on_table}")


def install(using=None, **kwargs):
    """Create (or replace) the triggers on `using`'s database; a post_migrate receiver."""
    target = connections[using or DEFAULT_DB_ALIAS]
    statements = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(target.vendor)
    if statements is None or WALK not in target.introspection.table_names():
        return
    with target.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
