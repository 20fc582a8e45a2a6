"""Developer tool: rewrite the initial migration from the current table models.

Only valid while no release has shipped a database at revision 0001 (true until the first
release); after that, schema changes get a new revision with
``alembic revision --autogenerate``. Run: ``python -m
inboxwatch_storage.migrations.regenerate_initial``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).parent
TARGET = HERE / "versions" / "0001_initial_schema.py"


def main() -> None:
    TARGET.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Config()
        cfg.set_main_option("script_location", str(HERE))
        cfg.set_main_option("sqlalchemy.url", f"sqlite:///{tmp}/empty.db")
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
    text = TARGET.read_text()
    text = text.replace(
        "from alembic import op\n",
        "from alembic import op\n\nfrom inboxwatch_storage.engine import create_fulltext_index, "
        "drop_fulltext_index\n", 1)
    text = text.replace("    # ### end Alembic commands ###\n",
                        "    # ### end Alembic commands ###\n"
                        "    create_fulltext_index(op.get_bind())\n", 1)
    text = text.replace("def downgrade() -> None:\n",
                        "def downgrade() -> None:\n    drop_fulltext_index(op.get_bind())\n", 1)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("Create Date"))
    TARGET.write_text(text + "\n")
    print(f"rewrote {TARGET.name}")


if __name__ == "__main__":
    main()
