"""One setting for the CRD profile offline: profile=, else GKE_SE_CRD_PROFILE, else newest."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gke_service_extensions import (
    CLUSTER_PROFILE,
    GCPTrafficExtension,
    ManifestValidationError,
    UnknownProfileError,
    load_manifests,
    validate_manifest,
)
from gke_service_extensions.models import PROFILE_ENV, PROFILES, get_profile

GUIDE_SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "traffic-extension.yaml"


def test_the_default_offline_is_newest_and_says_so() -> None:
    profile = get_profile()
    assert profile == PROFILES["newest"]
    assert profile.source == "the default"


def test_the_environment_variable_sets_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROFILE_ENV, "gke-1.33")
    assert get_profile() == PROFILES["gke-1.33"]
    assert get_profile().source == "from GKE_SE_CRD_PROFILE"
    assert load_manifests(GUIDE_SAMPLE)[0].ref == "GCPTrafficExtension default/my-traffic-extension"
    assert validate_manifest(yaml.safe_load(GUIDE_SAMPLE.read_text())) == []
    assert GCPTrafficExtension.from_manifest(yaml.safe_load(GUIDE_SAMPLE.read_text()))


def test_an_explicit_profile_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROFILE_ENV, "gke-1.33")
    with pytest.raises(ManifestValidationError) as info:
        load_manifests(GUIDE_SAMPLE, profile="newest")
    assert info.value.profile == "newest"
    assert info.value.profile_source is None


def test_a_gke_version_names_its_generation() -> None:
    assert get_profile("1.33") == PROFILES["gke-1.33"]
    assert get_profile(" gke-1.33 ") == PROFILES["gke-1.33"]


def test_the_clusters_profile_offline_is_the_default() -> None:
    assert get_profile(CLUSTER_PROFILE) == PROFILES["newest"]
    assert get_profile("cluster") == PROFILES["newest"]


def test_a_bad_name_is_a_clear_error_listing_the_valid_ones() -> None:
    with pytest.raises(UnknownProfileError) as info:
        load_manifests(GUIDE_SAMPLE, profile="1.20")
    message = str(info.value)
    assert message == ("unknown CRD profile '1.20'; valid profiles: gke-1.33 (or 1.33), "
                       "newest, cluster (the cluster's own CRDs)")
    assert "\n" not in message
    assert isinstance(info.value, ValueError)


def test_a_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROFILE_ENV, "oldest")
    with pytest.raises(UnknownProfileError) as info:
        validate_manifest(yaml.safe_load(GUIDE_SAMPLE.read_text()))
    assert str(info.value).startswith("GKE_SE_CRD_PROFILE='oldest' is not a CRD profile; "
                                      "valid profiles: gke-1.33 (or 1.33), newest")
    assert info.value.setting == "GKE_SE_CRD_PROFILE"


def test_a_profile_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(UnknownProfileError, match="got int"):
        get_profile(133)  # type: ignore[arg-type]


def test_validation_errors_name_the_profile_its_source_and_how_to_pick_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PROFILE_ENV, "newest")
    with pytest.raises(ManifestValidationError) as info:
        load_manifests(GUIDE_SAMPLE)
    lines = str(info.value).splitlines()
    assert lines[0] == ("GCPTrafficExtension default/my-traffic-extension (document 0) is "
                        "invalid under the 'newest' CRD profile (from GKE_SE_CRD_PROFILE): "
                        "1 problem")
    assert lines[-1] == ("  (pick another CRD profile with profile= (--profile on the command "
                         "line) or GKE_SE_CRD_PROFILE)")
