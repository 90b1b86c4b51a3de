"""Suite files load, expand the catalog's value sets, and reject bad files with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from synmon.catalog import COMPONENTS, DOMAINS
from synmon.quality import DATASETS, SuiteError, load_suite


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_dataset_has_a_suite_with_error_rules(dataset: str) -> None:
    suite = load_suite(dataset)
    assert suite.dataset == dataset
    severities = {e.severity for e in suite.expectations}
    assert severities == {"error", "warn"}


def test_named_sets_expand_to_the_catalog() -> None:
    suite = load_suite("requests")
    assert suite.get("component_known").kwargs["value_set"] == list(COMPONENTS)
    assert suite.get("domain_known").kwargs["value_set"] == list(DOMAINS)
    assert suite.get("request_id_unique_per_partition").column == "date,request_id"


def test_bad_suite_names_file_and_key_path(tmp_path: Path) -> None:
    (tmp_path / "requests.yaml").write_text(
        "dataset: requests\nexpectations:\n"
        "  - {id: a, expectation: expect_column_values_to_not_be_null, kwargs: {column: ts},"
        " severity: fatal}\n"
    )
    with pytest.raises(SuiteError, match=r"requests\.yaml: expectations\.0\.severity"):
        load_suite("requests", tmp_path)


def test_unknown_named_set_and_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "events.yaml").write_text(
        "dataset: events\nexpectations:\n"
        "  - {id: a, expectation: expect_column_values_to_be_in_set,"
        " kwargs: {column: event, value_set: '@nope'}, severity: warn}\n"
    )
    with pytest.raises(SuiteError, match="unknown named set '@nope'"):
        load_suite("events", tmp_path)
    (tmp_path / "events.yaml").write_text(
        "dataset: events\nexpectations:\n"
        "  - {id: a, expectation: expect_column_values_to_not_be_null, kwargs: {column: ts},"
        " severity: warn}\n"
        "  - {id: a, expectation: expect_column_values_to_not_be_null, kwargs: {column: ts},"
        " severity: warn}\n"
    )
    with pytest.raises(SuiteError, match="'a' appears twice"):
        load_suite("events", tmp_path)


def test_dataset_mismatch_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "metrics.yaml").write_text("dataset: events\nexpectations: []\n")
    with pytest.raises(SuiteError, match="expected 'metrics', found 'events'"):
        load_suite("metrics", tmp_path)
