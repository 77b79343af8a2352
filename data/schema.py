"""Schema management: Alembic migrations and the reference geography they need."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, insert, select

from data.models import DistrictRow, RegionRow
from data.reference import load_geography

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser escaping
    return config


def upgrade(engine: Engine) -> None:
    """Apply all migrations (idempotent) and load the regions and districts if missing."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    load_reference(engine)


def load_reference(engine: Engine) -> None:
    """Insert Kyrgyzstan's regions and districts into an empty store."""
    geo = load_geography()
    with engine.begin() as connection:
        if connection.scalar(select(func.count()).select_from(RegionRow)):
            return
        connection.execute(
            insert(RegionRow),
            [
                {
                    "code": r.code,
                    "soate": r.soate,
                    "name_ru": r.name_ru,
                    "name_ky": r.name_ky,
                    "name_en": r.name_en,
                    "lat": r.lat,
                    "lon": r.lon,
                }
                for r in geo.regions.values()
            ],
        )
        connection.execute(
            insert(DistrictRow),
            [
                {
                    "soate": d.soate,
                    "region": d.region,
                    "type": d.type,
                    "name_ru": d.name_ru,
                    "name_ky": d.name_ky,
                    "name_en": d.name_en,
                    "lat": d.lat,
                    "lon": d.lon,
                    "population": d.population,
                }
                for d in geo.districts.values()
            ],
        )
