"""Reference geography of Kyrgyzstan shipped with the console (see reference/SOURCES.md).

Regions (ISO 3166-2) and the 55 districts and cities (SOATE codes) with names in Russian, Kyrgyz
and English, centroids and 2022-census population. Boundaries: OCHA COD-AB Kyrgyzstan (MoES, 2018),
via HDX, simplified; population: National Statistical Committee, census 2022.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypedDict

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
ATTRIBUTION = (
    "Administrative boundaries: OCHA COD-AB Kyrgyzstan (MoES, 2018), via HDX, "
    "simplified; population: census 2022 (NSC KR)."
)


@dataclass(frozen=True)
class Region:
    code: str  # ISO 3166-2, e.g. KG-C
    soate: str
    name_ru: str
    name_ky: str
    name_en: str
    lat: float
    lon: float


@dataclass(frozen=True)
class District:
    soate: str  # 14-digit SOATE code
    region: str  # ISO 3166-2 of its region
    type: str
    name_ru: str
    name_ky: str
    name_en: str
    label_ru: str
    lat: float
    lon: float
    population: int

    def name(self, lang: str) -> str:
        """District name in 'ru', 'ky' or 'en' (Russian when unknown)."""
        return {"ky": self.name_ky, "en": self.name_en}.get(lang, self.name_ru)


@dataclass(frozen=True)
class Geography:
    regions: dict[str, Region]
    districts: dict[str, District]

    def region_of(self, soate: str) -> str:
        return self.districts[soate].region


@lru_cache(maxsize=1)
def load_geography() -> Geography:
    """Regions and districts from the shipped CSV files (read once)."""
    with open(REFERENCE_DIR / "kg_district_population.csv", encoding="utf-8") as fh:
        population = {row["soate"]: int(row["population"]) for row in csv.DictReader(fh)}
    with open(REFERENCE_DIR / "kg_regions.csv", encoding="utf-8") as fh:
        regions = {
            row["iso3166_2"]: Region(
                row["iso3166_2"],
                row["soate"],
                row["label_ru"],
                row["label_ky"],
                row["name_en"],
                float(row["centroid_lat"]),
                float(row["centroid_lon"]),
            )
            for row in csv.DictReader(fh)
        }
    with open(REFERENCE_DIR / "kg_districts.csv", encoding="utf-8") as fh:
        districts = {
            row["soate"]: District(
                row["soate"],
                row["adm1_iso"],
                row["type"],
                row["name_ru"],
                row["name_ky"],
                row["name_en"],
                row["label_ru"],
                float(row["centroid_lat"]),
                float(row["centroid_lon"]),
                population.get(row["soate"], 0),
            )
            for row in csv.DictReader(fh)
        }
    return Geography(regions, districts)


# GeoJSON (RFC 7946) as the shipped boundaries use it: polygons of [lon, lat] positions.
Position = list[float]
PolygonCoordinates = list[list[Position]]  # the outer ring, then any holes


class Polygon(TypedDict):
    type: Literal["Polygon"]
    coordinates: PolygonCoordinates


class MultiPolygon(TypedDict):
    type: Literal["MultiPolygon"]
    coordinates: list[PolygonCoordinates]


class Feature(TypedDict):
    type: Literal["Feature"]
    id: str
    properties: dict[str, str | float]
    geometry: Polygon | MultiPolygon


class FeatureCollection(TypedDict):
    type: Literal["FeatureCollection"]
    features: list[Feature]


@lru_cache(maxsize=2)
def load_boundaries() -> FeatureCollection:
    """GeoJSON boundaries of the districts (feature id: the SOATE code)."""
    with open(REFERENCE_DIR / "kg_districts.geojson", encoding="utf-8") as fh:
        collection: FeatureCollection = json.load(fh)
    for feature in collection["features"]:
        feature["id"] = str(feature["properties"]["soate"])
    return collection
