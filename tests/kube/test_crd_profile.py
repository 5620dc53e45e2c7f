"""A client checks writes against the rules of the CRDs its cluster serves (by default)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from gke_service_extensions import (
    CLUSTER_PROFILE,
    ExtensionsClient,
    GCPTrafficExtension,
    InvalidError,
    ManifestValidationError,
    ServerError,
    UnknownProfileError,
    load_manifests,
)
from gke_service_extensions.kube import NO_RETRY, Validation
from gke_service_extensions.models import PROFILE_ENV, PROFILES, CRDProfile
from gke_service_extensions.testing import GKESimulator
from gke_service_extensions.testing._kube._resources import CUSTOM_RESOURCE_DEFINITION

GUIDE_SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "traffic-extension.yaml"
CRDS = "customresourcedefinitions"
TOKEN = "gke-simulator-token"  # the simulator's kubeconfig token


def _guide() -> GCPTrafficExtension:
    """The GKE guide's traffic extension (no supportedEvents), built without checks."""
    obj = load_manifests(GUIDE_SAMPLE, profile="gke-1.33")[0]
    assert isinstance(obj, GCPTrafficExtension)
    return obj


@pytest.fixture
def newest() -> Iterator[GKESimulator]:
    with GKESimulator(controller=False, gcp=False, admission=False) as sim:
        yield sim


@pytest.fixture
def old() -> Iterator[GKESimulator]:
    with GKESimulator(controller=False, gcp=False, admission=False, crd_profile="gke-1.33") as sim:
        yield sim


def test_the_guides_extension_applies_on_a_1_33_cluster_with_the_default_client(
    old: GKESimulator,
) -> None:
    with ExtensionsClient.from_kubeconfig(str(old.kubeconfig_path)) as client:
        applied = client.apply(_guide())
        assert applied.metadata.generation == 1
        assert client.crd_profile() == PROFILES["gke-1.33"]
        assert client.crd_profile().source == "from the cluster"


def test_the_guides_extension_is_refused_before_sending_on_a_newest_cluster(
    newest: GKESimulator,
) -> None:
    with ExtensionsClient.from_kubeconfig(str(newest.kubeconfig_path)) as client, \
            pytest.raises(ManifestValidationError) as info:
        client.apply(_guide())
    assert info.value.profile == "newest"
    assert info.value.profile_source == "from the cluster"
    assert "under the 'newest' CRD profile (from the cluster): 1 problem" in str(info.value)
    assert "pick another CRD profile with profile=" in str(info.value)
    assert [p.path for p in info.value.problems] == [
        "spec.extensionChains[0].extensions[0].supportedEvents"]
    assert newest.faults.counts() == {("get", CRDS): 2}  # read the CRDs; sent nothing


def test_the_crds_are_read_once_lazily_and_by_one_thread(old: GKESimulator) -> None:
    with ExtensionsClient(old.api_client()) as client:
        assert old.faults.counts() == {}  # constructing reads nothing
        barrier = threading.Barrier(8)
        seen: list[CRDProfile] = []

        def read() -> None:
            barrier.wait()
            seen.append(client.crd_profile())

        threads = [threading.Thread(target=read) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        client.apply(_guide())
        client.apply(_guide())
    assert [p.name for p in seen] == ["gke-1.33"] * 8
    assert old.faults.count(resource=CRDS) == 2  # one GET per extension CRD, once


def test_unreadable_crds_fall_back_to_the_default_once_with_an_info_log(
    old: GKESimulator, caplog: pytest.LogCaptureFixture,
) -> None:
    old.faults.fail(403, times=None, resource=CRDS,
                    message=f"customresourcedefinitions is forbidden for token {TOKEN}")
    caplog.set_level(logging.INFO, logger="gke_service_extensions")
    with ExtensionsClient(old.api_client()) as client:
        for _ in range(2):
            with pytest.raises(ManifestValidationError) as info:
                client.apply(_guide())
        assert client.crd_profile() == PROFILES["newest"]
    assert info.value.profile_source == (
        "the default; the cluster's CRDs could not be read: forbidden (403)")
    logged = [r.getMessage() for r in caplog.records if "CRDs" in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].startswith("cannot read the cluster's CRDs: forbidden (403)")
    assert "'newest' CRD profile" in logged[0]
    assert TOKEN not in logged[0]
    assert "<redacted>" in logged[0]
    assert caplog.records[-1].levelno == logging.INFO
    assert old.faults.count(resource=CRDS) == 1  # not asked again


def test_clusters_without_the_crds_fall_back_to_the_default(
    old: GKESimulator, caplog: pytest.LogCaptureFixture,
) -> None:
    for plural in ("gcptrafficextensions", "gcproutingextensions"):
        assert old.store.delete(CUSTOM_RESOURCE_DEFINITION, None, f"{plural}.networking.gke.io")
    caplog.set_level(logging.INFO, logger="gke_service_extensions")
    with ExtensionsClient(old.api_client()) as client:
        profile = client.crd_profile()
    assert profile == PROFILES["newest"]
    assert profile.source.endswith("could not be read: not installed (404)")
    assert any("not installed (404)" in r.getMessage() for r in caplog.records)


def test_a_server_error_reading_the_crds_is_raised_and_tried_again(old: GKESimulator) -> None:
    old.faults.fail(500, times=None, resource=CRDS)
    with ExtensionsClient(old.api_client(), retry=NO_RETRY) as client:
        with pytest.raises(ServerError, match="CustomResourceDefinition gcptraffic"):
            client.apply(_guide())
        old.faults.clear()
        assert client.apply(_guide()).metadata.generation == 1


def test_the_environment_variable_replaces_the_clusters_profile(
    old: GKESimulator, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PROFILE_ENV, "newest")
    with ExtensionsClient(old.api_client()) as client, \
            pytest.raises(ManifestValidationError) as info:
        client.apply(_guide())
    assert info.value.profile_source == "from GKE_SE_CRD_PROFILE"
    assert old.faults.counts() == {}  # the CRDs were not read


def test_cluster_profile_asks_for_the_clusters_rules_whatever_the_environment(
    old: GKESimulator, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PROFILE_ENV, "newest")
    with ExtensionsClient(old.api_client(), profile=CLUSTER_PROFILE) as client:
        assert client.apply(_guide()).metadata.generation == 1
    monkeypatch.setenv(PROFILE_ENV, "cluster")
    with ExtensionsClient(old.api_client()) as client:
        assert client.crd_profile().source == "from the cluster"


def test_a_given_profile_is_used_without_reading_the_cluster(newest: GKESimulator) -> None:
    with ExtensionsClient(newest.api_client(), profile="1.33") as client, \
            pytest.raises(InvalidError):  # passes our check; the newest cluster says 422
        client.apply(_guide())
    assert newest.faults.count(resource=CRDS) == 0


def test_a_bad_profile_name_fails_when_the_client_is_built(
    newest: GKESimulator, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(UnknownProfileError, match=r"valid profiles: gke-1\.33"):
        ExtensionsClient(newest.api_client(), profile="gke-1.30")
    monkeypatch.setenv(PROFILE_ENV, "gke-1.30")
    with pytest.raises(UnknownProfileError, match=r"GKE_SE_CRD_PROFILE='gke-1\.30'"):
        ExtensionsClient.from_kubeconfig(str(newest.kubeconfig_path))


def test_server_only_validation_reads_no_crds(old: GKESimulator) -> None:
    with ExtensionsClient(old.api_client(), validation=Validation.SERVER_ONLY) as client:
        client.apply(_guide())
    assert old.faults.count(resource=CRDS) == 0


def test_a_cluster_of_an_unnamed_generation_is_checked_by_its_own_rules() -> None:
    newest = PROFILES["newest"]
    custom = replace(newest, name="custom", traffic=replace(
        newest.traffic, require_supported_events=False))
    with GKESimulator(controller=False, gcp=False, admission=False, crd_profile=custom) as sim, \
            ExtensionsClient(sim.api_client()) as client:
        assert client.apply(_guide()).metadata.generation == 1
        profile = client.crd_profile()
    assert profile.name == "cluster"
    assert profile.traffic == custom.traffic
    assert profile.source == "from the cluster"
