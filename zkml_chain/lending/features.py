"""The applicant record a credit bureau attests: German Credit attributes as integers.

Every feature is an integer, so the attester's commitment (``zkml_chain.poseidon.commit`` of the
feature vector and a salt) does not depend on any model or fixed-point scale: one attestation
serves every registered model. The encoding, in order:

- 7 numeric attributes in their natural units: loan duration (months), credit amount (DM),
  instalment rate (% of disposable income, 1-4), years at present residence (1-4), age (years),
  existing credits at this bank, people liable to provide maintenance for;
- 11 categorical attributes as one-hot indicators (0/1), one per category listed in
  :data:`CATEGORIES`, in that order (48 indicators).

55 features in all. Two attributes of the data set are left out on purpose: personal status and
sex, and foreign-worker status. Credit decisions must not turn on sex, marital status or national
origin (e.g. the US Equal Credit Opportunity Act, the EU Consumer Credit Directive), and a
pool should not be able to prove it used a model that does.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ..errors import ProofInputError

#: The bundled data set (see lending/data/README.md for its origin and licence).
DATASET = Path(str(resources.files(__package__) / "data" / "german_credit.csv"))
TARGET = "creditability"  # "good" / "bad"

NUMERIC = (
    "duration_in_month",
    "credit_amount",
    "installment_rate_in_percentage_of_disposable_income",
    "present_residence_since",
    "age_in_years",
    "number_of_existing_credits_at_this_bank",
    "number_of_people_being_liable_to_provide_maintenance_for",
)

CATEGORIES: dict[str, tuple[str, ...]] = {
    "status_of_existing_checking_account": (
        "no checking account", "... < 0 DM", "0 <= ... < 200 DM",
        "... >= 200 DM / salary assignments for at least 1 year"),
    "credit_history": (
        "no credits taken/ all credits paid back duly", "all credits at this bank paid back duly",
        "existing credits paid back duly till now", "delay in paying off in the past",
        "critical account/ other credits existing (not at this bank)"),
    "purpose": (
        "car (new)", "car (used)", "furniture/equipment", "radio/television", "domestic appliances", "repairs",
        "education", "retraining", "business", "others"),
    "savings_account_and_bonds": (
        "unknown/ no savings account", "... < 100 DM", "100 <= ... < 500 DM", "500 <= ... < 1000 DM",
        "... >= 1000 DM"),
    "present_employment_since": (
        "unemployed", "... < 1 year", "1 <= ... < 4 years", "4 <= ... < 7 years", "... >= 7 years"),
    "other_debtors_or_guarantors": ("none", "co-applicant", "guarantor"),
    "property": (
        "real estate", "building society savings agreement/ life insurance",
        "car or other, not in attribute Savings account/bonds", "unknown / no property"),
    "other_installment_plans": ("bank", "stores", "none"),
    "housing": ("rent", "own", "for free"),
    "job": (
        "unemployed/ unskilled - non-resident", "unskilled - resident", "skilled employee / official",
        "management/ self-employed/ highly qualified employee/ officer"),
    "telephone": ("none", "yes, registered under the customers name"),
}

#: Left out of the features on purpose (see the module docstring).
EXCLUDED = ("personal_status_and_sex", "foreign_worker")

FEATURE_NAMES: tuple[str, ...] = NUMERIC + tuple(f"{col}={cat}" for col, cats in CATEGORIES.items() for cat in cats)


@dataclass(frozen=True)
class Dataset:
    """Encoded applicants: features (n, 55) int64, labels (n,) 1 = good credit, and the raw rows."""

    features: np.ndarray
    labels: np.ndarray
    rows: list[dict[str, str]]


def encode(row: dict[str, str]) -> np.ndarray:
    """One applicant's record (CSV column -> text) as the 55 attested integers."""
    out = []
    for col in NUMERIC:
        try:
            out.append(int(row[col]))
        except (KeyError, ValueError):
            raise ProofInputError(f"applicant record: {col!r} must be an integer, got {row.get(col)!r}") from None
    for col, cats in CATEGORIES.items():
        value = row.get(col)
        if value not in cats:
            raise ProofInputError(f"applicant record: {col!r} = {value!r} is not one of {list(cats)}")
        out.extend(int(value == cat) for cat in cats)
    return np.array(out, dtype=np.int64)


def load(path: Path = DATASET) -> Dataset:
    """The data set, encoded."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows or TARGET not in rows[0]:
        raise ProofInputError(f"{path}: expected the German Credit CSV with a {TARGET!r} column")
    features = np.stack([encode(r) for r in rows])
    labels = np.array([int(r[TARGET] == "good") for r in rows], dtype=np.int64)
    return Dataset(features, labels, rows)
