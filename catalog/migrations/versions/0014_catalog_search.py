"""Catalog search: ``search_documents`` (``catalog.search_tables``), its engine's indexes, the
``batches`` trigger that keeps each row's ``last_published_at``, and the rows of the datasets
already registered.

SQLite: FTS5 external-content tables ``search_fts`` (``trigram``) and ``search_grams``
(``unicode61``) kept in step by triggers on ``search_documents``. PostgreSQL: the ``pg_trgm``
extension (shipped with the server), a GIN trigram index on ``doc`` and a GIN index on
``string_to_array(grams, ' ')``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LAST_PUBLISHED = (
    "(SELECT max(b.published_at) FROM batches b "
    "WHERE b.dataset_id = {ref}.dataset_id AND b.status = 'published')"
)

_SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(doc, content='search_documents', "
    "content_rowid='dataset_id', tokenize='trigram')",
    "CREATE VIRTUAL TABLE search_grams USING fts5(grams, content='search_documents', "
    "content_rowid='dataset_id', tokenize='unicode61')",
    """CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
         INSERT INTO search_fts(rowid, doc) VALUES (new.dataset_id, new.doc);
         INSERT INTO search_grams(rowid, grams) VALUES (new.dataset_id, new.grams);
       END""",
    """CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
         INSERT INTO search_fts(search_fts, rowid, doc) VALUES ('delete', old.dataset_id, old.doc);
         INSERT INTO search_grams(search_grams, rowid, grams)
           VALUES ('delete', old.dataset_id, old.grams);
       END""",
    """CREATE TRIGGER search_documents_au AFTER UPDATE OF doc, grams ON search_documents BEGIN
         INSERT INTO search_fts(search_fts, rowid, doc) VALUES ('delete', old.dataset_id, old.doc);
         INSERT INTO search_grams(search_grams, rowid, grams)
           VALUES ('delete', old.dataset_id, old.grams);
         INSERT INTO search_fts(rowid, doc) VALUES (new.dataset_id, new.doc);
         INSERT INTO search_grams(rowid, grams) VALUES (new.dataset_id, new.grams);
       END""",
    f"""CREATE TRIGGER batches_search_published_ai AFTER INSERT ON batches BEGIN
         UPDATE search_documents SET last_published_at = {_LAST_PUBLISHED.format(ref="new")}
         WHERE dataset_id = new.dataset_id;
       END""",
    f"""CREATE TRIGGER batches_search_published_au
       AFTER UPDATE OF status, published_at, dataset_id ON batches BEGIN
         UPDATE search_documents SET last_published_at = {_LAST_PUBLISHED.format(ref="new")}
         WHERE dataset_id = new.dataset_id;
       END""",
]

_POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_search_documents_doc_trgm ON search_documents USING gin (doc gin_trgm_ops)",
    "CREATE INDEX ix_search_documents_grams ON search_documents "
    "USING gin (string_to_array(grams, ' '))",
    f"""CREATE FUNCTION search_documents_published() RETURNS trigger AS $$
       BEGIN
         UPDATE search_documents SET last_published_at = {_LAST_PUBLISHED.format(ref="NEW")}
         WHERE dataset_id = NEW.dataset_id;
         RETURN NULL;
       END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER batches_search_published AFTER INSERT OR UPDATE OF status, published_at, "
    "dataset_id ON batches FOR EACH ROW EXECUTE FUNCTION search_documents_published()",
]


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("dataset_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("owner_department_id", sa.Integer(), nullable=False),
        sa.Column("share_type", sa.String(length=24), nullable=False),
        sa.Column("grade", sa.String(length=24), nullable=False),
        sa.Column("update_cycle", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_pinyin", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.Column("grams", sa.Text(), nullable=False),
        sa.Column("last_published_at", sa.DateTime(), nullable=True),
        sa.Column("indexed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_department_id"], ["departments.id"]),
        sa.PrimaryKeyConstraint("dataset_id"),
    )
    for name, column in (
        ("ix_search_documents_owner", "owner_department_id"),
        ("ix_search_documents_share_type", "share_type"),
        ("ix_search_documents_grade", "grade"),
        ("ix_search_documents_cycle", "update_cycle"),
        ("ix_search_documents_code", "code"),
    ):
        op.create_index(name, "search_documents", [column])
    op.create_index(
        "ix_search_documents_facets",
        "search_documents",
        ["dataset_id", "owner_department_id", "share_type", "grade", "update_cycle",
         "last_published_at"],
    )  # fmt: skip
    bind = op.get_bind()
    for statement in _SQLITE if bind.dialect.name == "sqlite" else _POSTGRES:
        op.execute(statement)
    _backfill(bind)


def _backfill(bind: sa.Connection) -> None:
    """Index the datasets already registered, from their rows (read with Core, so later columns
    of ``datasets`` do not matter here)."""
    from catalog.models import DataElement, Dataset, DatasetStatus, Field
    from catalog.search_index import document_values
    from schemas import Grade, ShareType

    datasets = bind.execute(
        sa.text(
            "SELECT id, code, title_zh, title_en, description, owner_department_id, share_type, "
            "grade, update_cycle, status FROM datasets ORDER BY id"
        )
    ).all()
    if not datasets:
        return
    elements = {
        row.id: DataElement(name_zh=row.name_zh, name_en=row.name_en)
        for row in bind.execute(sa.text("SELECT id, name_zh, name_en FROM data_elements"))
    }
    fields: dict[int, list[Field]] = {}
    for row in bind.execute(
        sa.text(
            "SELECT dataset_id, name, title_zh, data_element_id FROM fields "
            "ORDER BY dataset_id, position"
        )
    ):
        field = Field(name=row.name, title_zh=row.title_zh)
        field.data_element = elements.get(row.data_element_id)
        fields.setdefault(row.dataset_id, []).append(field)
    table = sa.Table("search_documents", sa.MetaData(), autoload_with=bind)
    for row in datasets:
        dataset = Dataset(
            id=row.id, code=row.code, title_zh=row.title_zh, title_en=row.title_en,
            description=row.description, owner_department_id=row.owner_department_id,
            share_type=ShareType(row.share_type), grade=Grade(row.grade),
            update_cycle=row.update_cycle, status=DatasetStatus(row.status),
            fields=fields.get(row.id, []),
        )  # fmt: skip
        bind.execute(sa.insert(table).values(document_values(dataset)))
    bind.execute(
        sa.text(
            f"UPDATE search_documents SET last_published_at = "
            f"{_LAST_PUBLISHED.format(ref='search_documents')}"
        )
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("batches_search_published_ai", "batches_search_published_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.drop_table("search_documents")  # its own triggers go with it
        op.execute("DROP TABLE IF EXISTS search_fts")
        op.execute("DROP TABLE IF EXISTS search_grams")
    else:
        op.execute("DROP TRIGGER IF EXISTS batches_search_published ON batches")
        op.drop_table("search_documents")
        op.execute("DROP FUNCTION IF EXISTS search_documents_published()")
