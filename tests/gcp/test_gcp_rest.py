"""GCPClient over the real REST transport, with Google's answers mocked by ``responses``.

Bodies are in the APIs' real JSON shape: camelCase, enum names, Duration strings, int64 as
strings. Requests carry ``$alt=json;enum-encoding=int`` and integer enums (``view=2``), and
Artifact Registry package ids arrive percent-encoded twice (``a%2Fb`` -> ``a%252Fb``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from google.api_core import exceptions as gexc
from google.auth.credentials import AnonymousCredentials, Credentials

from gke_service_extensions import (
    Event,
    GCPAuthenticationError,
    GCPError,
    GCPNotFoundError,
    GCPPermissionDeniedError,
    GCPQuotaError,
    GCPTimeoutError,
    GCPUnavailableError,
    ImageReferenceError,
    ResourceNameError,
)
from gke_service_extensions.gcp import GCPClient, GCPRetry
from gke_service_extensions.models import BodySendMode

NS = "https://networkservices.googleapis.com/v1"
AR = "https://artifactregistry.googleapis.com/v1"
GLOBAL = "projects/my-project/locations/global"
EXT = f"{GLOBAL}/lbTrafficExtensions/gkegw1-ab12-default-ext-0123456789ab"
PLUGIN = f"{GLOBAL}/wasmPlugins/gkegw1-ab12-default-plugin-0123456789ab"
DIGEST = "sha256:" + "ab" * 32
OTHER_DIGEST = "sha256:" + "cd" * 32

TRAFFIC_JSON = {
    "name": EXT,
    "createTime": "2026-03-01T10:00:00.123456789Z",
    "updateTime": "2026-03-01T10:05:00Z",
    "description": "GCPTrafficExtension default/ext",
    "labels": {"gke-namespace": "default"},
    "forwardingRules": ["projects/292590764560/global/forwardingRules/gkegw1-ab12-fr"],
    "extensionChains": [{
        "name": "chain1",
        "matchCondition": {"celExpression": 'request.path.startsWith("/api")'},
        "extensions": [{
            "name": "ext1",
            "authority": "callout.example.com",
            "service": "projects/292590764560/global/backendServices/gkegw1-ab12-bs",
            "supportedEvents": ["REQUEST_HEADERS", "RESPONSE_BODY"],
            "timeout": "0.500s",
            "failOpen": True,
            "forwardHeaders": ["x-user"],
            "metadata": {"team": "edge", "weight": 3},
            "requestBodySendMode": "BODY_SEND_MODE_FULL_DUPLEX_STREAMED",
        }],
    }],
    "loadBalancingScheme": "EXTERNAL_MANAGED",
}

PLUGIN_JSON = {
    "name": PLUGIN,
    "createTime": "2026-03-01T10:00:00Z",
    "mainVersionId": "v2",
    "logConfig": {"enable": True, "sampleRate": 0.25, "minLogLevel": "WARN"},
    "versions": {
        "v1": {"imageUri": "us-docker.pkg.dev/my-project/wasm/auth:1.0",
               "imageDigest": OTHER_DIGEST, "createTime": "2026-02-01T00:00:00Z",
               "pluginConfigUri": "us-docker.pkg.dev/my-project/wasm/auth-config:1.0"},
        "v2": {"imageUri": "us-docker.pkg.dev/my-project/wasm/auth:2.0", "imageDigest": DIGEST,
               "pluginConfigDigest": "sha256:" + "ef" * 32,
               "pluginConfigData": "eyJrIjoidiJ9", "description": "second"},
    },
    "usedBy": [{"name": EXT.replace("my-project", "292590764560")}],
}


@pytest.fixture
def no_sleep() -> list[float]:
    return []


@pytest.fixture
def gcp(no_sleep: list[float]) -> Iterator[GCPClient]:
    retry = GCPRetry(timeout=7.0, deadline=60.0, attempts=4, sleep=no_sleep.append)
    with GCPClient(project="my-project", credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
                   retry=retry) as client:
        yield client


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def query(call: responses.Call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


# --------------------------------------------------------------------------- views


def test_traffic_extension_view_reads_the_rest_json_into_crd_vocabulary(
    gcp: GCPClient, mock: responses.RequestsMock
) -> None:
    mock.get(f"{NS}/{EXT}", json=TRAFFIC_JSON)
    ext = gcp.get_lb_traffic_extension(EXT)
    assert ext.name == EXT
    assert ext.location == "global"
    assert ext.load_balancing_scheme == "EXTERNAL_MANAGED"
    assert ext.create_time == datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)
    (chain,) = ext.extension_chains
    assert chain.cel_expression == 'request.path.startsWith("/api")'
    (callout,) = chain.extensions
    assert callout.supported_events == (Event.REQUEST_HEADERS, Event.RESPONSE_BODY)
    assert callout.timeout == timedelta(milliseconds=500)
    assert callout.fail_open is True
    assert callout.authority == "callout.example.com"
    assert callout.forward_headers == ("x-user",)
    assert dict(callout.metadata) == {"team": "edge", "weight": 3}
    assert callout.request_body_send_mode is BodySendMode.FULL_DUPLEX_STREAMED
    assert callout.response_body_send_mode is None
    assert ext.raw["extensionChains"][0]["extensions"][0]["timeout"] == "0.500s"


def test_requests_ask_for_integer_enums_and_carry_a_timeout(
    gcp: GCPClient, mock: responses.RequestsMock
) -> None:
    mock.get(f"{NS}/{EXT}", json=TRAFFIC_JSON)
    gcp.get_lb_traffic_extension(EXT)
    (call,) = mock.calls
    assert query(call)["$alt"] == ["json;enum-encoding=int"]
    assert call.request.req_kwargs["timeout"] == pytest.approx(7.0)


def test_wasm_plugin_is_read_in_the_full_view_with_every_version(
    gcp: GCPClient, mock: responses.RequestsMock
) -> None:
    mock.get(f"{NS}/{PLUGIN}", json=PLUGIN_JSON)
    plugin = gcp.get_wasm_plugin(PLUGIN)
    (call,) = mock.calls
    assert query(call)["view"] == ["2"]  # WASM_PLUGIN_VIEW_FULL, as an integer enum
    assert plugin.main_version_id == "v2"
    assert plugin.main_version is not None
    assert plugin.main_version.image_digest == DIGEST
    assert plugin.main_version.plugin_config_data == b'{"k":"v"}'
    assert sorted(plugin.versions) == ["v1", "v2"]
    assert plugin.versions["v1"].image_uri == "us-docker.pkg.dev/my-project/wasm/auth:1.0"
    assert plugin.versions["v1"].plugin_config_uri == (
        "us-docker.pkg.dev/my-project/wasm/auth-config:1.0")
    assert plugin.log_config is not None
    assert plugin.log_config.sample_rate == 0.25
    assert plugin.log_config.sample_rate_ppm == 250_000
    assert plugin.log_config.min_log_level == "WARN"
    assert plugin.used_by == (EXT.replace("my-project", "292590764560"),)


def test_list_follows_every_page(gcp: GCPClient, mock: responses.RequestsMock) -> None:
    second = {**TRAFFIC_JSON, "name": f"{GLOBAL}/lbTrafficExtensions/second"}
    mock.get(f"{NS}/{GLOBAL}/lbTrafficExtensions",
             match=[responses.matchers.query_param_matcher(
                 {"pageToken": "page-2", "pageSize": "1"}, strict_match=False)],
             json={"lbTrafficExtensions": [second]})
    mock.get(f"{NS}/{GLOBAL}/lbTrafficExtensions",
             json={"lbTrafficExtensions": [TRAFFIC_JSON], "nextPageToken": "page-2"})
    found = gcp.list_lb_traffic_extensions("global", page_size=1)
    assert [e.name for e in found] == [EXT, second["name"]]
    assert len(mock.calls) == 2


def test_list_wasm_plugins_reads_each_plugin_once_in_full(
    gcp: GCPClient, mock: responses.RequestsMock
) -> None:
    mock.get(f"{NS}/{GLOBAL}/wasmPlugins",
             json={"wasmPlugins": [{"name": PLUGIN, "mainVersionId": "v2"}]})
    mock.get(f"{NS}/{PLUGIN}", json=PLUGIN_JSON)
    (plugin,) = gcp.list_wasm_plugins()
    assert sorted(plugin.versions) == ["v1", "v2"]
    assert len(mock.calls) == 2


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize("name", [
    f"/{EXT.replace('my-project', '292590764560')}",   # as a Gateway annotation writes it
    EXT.replace("my-project", "292590764560"),
    "gkegw1-ab12-default-ext-0123456789ab",             # a bare id, with location=
])
def test_names_are_accepted_in_every_spelling(
    gcp: GCPClient, mock: responses.RequestsMock, name: str
) -> None:
    by_number = EXT.replace("my-project", "292590764560")
    mock.get(f"{NS}/{by_number}", json=TRAFFIC_JSON)
    mock.get(f"{NS}/{EXT}", json=TRAFFIC_JSON)
    assert gcp.get_lb_traffic_extension(name, location="global").name == EXT
    (call,) = mock.calls
    assert urlsplit(call.request.url).path.lstrip("/v1") in (by_number, EXT)


@pytest.mark.parametrize(("name", "why"), [
    ("gkegw1-ab12-default-ext", "bare id"),
    (PLUGIN, "not a lbTrafficExtensions name"),
    ("projects/p/lbTrafficExtensions/x", "not a lbTrafficExtensions name"),
])
def test_a_bad_name_is_refused_before_any_call(
    gcp: GCPClient, mock: responses.RequestsMock, name: str, why: str
) -> None:
    with pytest.raises(ResourceNameError, match=why):
        gcp.get_lb_traffic_extension(name)
    assert len(mock.calls) == 0


# --------------------------------------------------------------------------- errors


def google_error(code: int, status: str, message: str, **extra: object) -> dict[str, object]:
    return {"error": {"code": code, "status": status, "message": message, **extra}}


def test_not_found_maps_to_gcp_not_found_with_the_google_error_as_cause(
    gcp: GCPClient, mock: responses.RequestsMock
) -> None:
    mock.get(f"{NS}/{EXT}", status=404,
             json=google_error(404, "NOT_FOUND", f"Resource '{EXT}' was not found"))
    with pytest.raises(GCPNotFoundError) as info:
        gcp.get_lb_traffic_extension(EXT)
    err = info.value
    assert (err.code, err.status, err.resource) == (404, "NOT_FOUND", EXT)
    assert err.server_message == f"Resource '{EXT}' was not found"
    assert str(err).startswith(f"{EXT}: not found (404 NOT_FOUND)")
    assert isinstance(err.__cause__, gexc.NotFound)
    assert len(mock.calls) == 1  # not retried


def test_permission_denied_names_the_permission_from_error_info(
    gcp: GCPClient, mock: responses.RequestsMock
) -> None:
    mock.get(f"{NS}/{PLUGIN}", status=403, json=google_error(
        403, "PERMISSION_DENIED", "The caller does not have permission",
        details=[{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                  "reason": "IAM_PERMISSION_DENIED", "domain": "iam.googleapis.com",
                  "metadata": {"permission": "networkservices.wasmPlugins.get"}}]))
    with pytest.raises(GCPPermissionDeniedError) as info:
        gcp.get_wasm_plugin(PLUGIN)
    assert info.value.permission == "networkservices.wasmPlugins.get"
    assert info.value.reason == "IAM_PERMISSION_DENIED"
    assert "missing permission networkservices.wasmPlugins.get" in str(info.value)


def test_permission_denied_names_the_permission_from_the_message(
    gcp: GCPClient, mock: responses.RequestsMock
) -> None:
    mock.get(f"{NS}/{EXT}", status=403, json=google_error(
        403, "PERMISSION_DENIED",
        f"Permission 'networkservices.lbTrafficExtensions.get' denied on resource "
        f"'//networkservices.googleapis.com/{EXT}' (or it may not exist)."))
    with pytest.raises(GCPPermissionDeniedError) as info:
        gcp.get_lb_traffic_extension(EXT)
    assert info.value.permission == "networkservices.lbTrafficExtensions.get"


class StaticToken(Credentials):
    """A token that 'refreshes' to itself: the API keeps refusing it."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.token = "expired"

    def refresh(self, request: object) -> None:
        self.token = "still-expired"


def test_rejected_credentials_map_to_gcp_authentication_error(
    mock: responses.RequestsMock
) -> None:
    gcp = GCPClient(project="my-project", credentials=StaticToken())
    mock.get(f"{NS}/{EXT}", status=401, json=google_error(
        401, "UNAUTHENTICATED", "Request had invalid authentication credentials."))
    with pytest.raises(GCPAuthenticationError, match="credentials were rejected") as info:
        gcp.get_lb_traffic_extension(EXT)
    assert info.value.code == 401


def test_credentials_that_cannot_refresh_map_to_gcp_authentication_error(
    gcp: GCPClient, mock: responses.RequestsMock
) -> None:
    mock.get(f"{NS}/{EXT}", status=401, json=google_error(
        401, "UNAUTHENTICATED", "Request had invalid authentication credentials."))
    with pytest.raises(GCPAuthenticationError, match="no usable Google Cloud credentials"):
        gcp.get_lb_traffic_extension(EXT)


@pytest.mark.parametrize(("code", "status", "error"), [
    (429, "RESOURCE_EXHAUSTED", GCPQuotaError),
    (503, "UNAVAILABLE", GCPUnavailableError),
    (504, "DEADLINE_EXCEEDED", GCPTimeoutError),
])
def test_transient_errors_are_retried_then_mapped(
    gcp: GCPClient, mock: responses.RequestsMock, no_sleep: list[float], code: int, status: str,
    error: type[GCPError]
) -> None:
    mock.get(f"{NS}/{EXT}", status=code, json=google_error(code, status, "try later"))
    with pytest.raises(error) as info:
        gcp.get_lb_traffic_extension(EXT)
    assert len(mock.calls) == 4
    assert info.value.attempts == 4
    assert len(no_sleep) == 3
    assert "after 4 attempts" in str(info.value)


def test_a_transient_error_then_success_returns_the_answer(
    gcp: GCPClient, mock: responses.RequestsMock
) -> None:
    mock.get(f"{NS}/{EXT}", status=503, json=google_error(503, "UNAVAILABLE", "busy"))
    mock.get(f"{NS}/{EXT}", json=TRAFFIC_JSON)
    assert gcp.get_lb_traffic_extension(EXT).name == EXT
    assert len(mock.calls) == 2


def test_other_errors_are_final_at_once(gcp: GCPClient, mock: responses.RequestsMock) -> None:
    mock.get(f"{NS}/{EXT}", status=400, json=google_error(400, "INVALID_ARGUMENT", "bad name"))
    with pytest.raises(GCPError, match="bad name") as info:
        gcp.get_lb_traffic_extension(EXT)
    assert type(info.value) is GCPError
    assert len(mock.calls) == 1


def test_unreachable_api_is_retried_then_unavailable(
    gcp: GCPClient, mock: responses.RequestsMock
) -> None:
    mock.get(f"{NS}/{EXT}", body=requests.ConnectionError("connection refused"))
    with pytest.raises(GCPUnavailableError, match="could not reach the API") as info:
        gcp.get_lb_traffic_extension(EXT)
    assert isinstance(info.value.__cause__, requests.ConnectionError)
    assert len(mock.calls) == 4


def test_no_answer_in_time_is_retried_then_a_timeout(
    gcp: GCPClient, mock: responses.RequestsMock
) -> None:
    mock.get(f"{NS}/{EXT}", body=requests.ReadTimeout("read timed out"))
    with pytest.raises(GCPTimeoutError) as info:
        gcp.get_lb_traffic_extension(EXT)
    assert isinstance(info.value, TimeoutError)
    assert len(mock.calls) == 4


def test_retries_stop_at_the_deadline(mock: responses.RequestsMock) -> None:
    slept: list[float] = []
    retry = GCPRetry(deadline=1.0, attempts=100, initial=0.4, sleep=slept.append)
    gcp = GCPClient(project="my-project", credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
                    retry=retry)
    mock.get(f"{NS}/{EXT}", status=503, json=google_error(503, "UNAVAILABLE", "busy"))
    with pytest.raises(GCPUnavailableError):
        gcp.get_lb_traffic_extension(EXT)
    assert sum(slept) <= 1.0
    assert 1 < len(mock.calls) < 100


# --------------------------------------------------------------------------- images


def test_a_tag_resolves_to_its_digest_through_the_double_encoded_package(
    gcp: GCPClient, mock: responses.RequestsMock
) -> None:
    package = "projects/my-project/locations/us/repositories/wasm/packages/plugins%2Fauth"
    mock.get(f"{AR}/projects/my-project/locations/us/repositories/wasm/packages/"
             f"plugins%252Fauth/tags/2.0",
             json={"name": f"{package}/tags/2.0", "version": f"{package}/versions/{DIGEST}"})
    resolved = gcp.resolve_image("us-docker.pkg.dev/my-project/wasm/plugins/auth:2.0")
    assert resolved.digest == DIGEST
    assert resolved.pinned_uri == f"us-docker.pkg.dev/my-project/wasm/plugins/auth@{DIGEST}"
    assert query(mock.calls[0])["$alt"] == ["json;enum-encoding=int"]


def test_a_digest_pin_is_checked_by_version(gcp: GCPClient, mock: responses.RequestsMock) -> None:
    package = "projects/my-project/locations/us/repositories/wasm/packages/auth"
    mock.get(f"{AR}/{package}/versions/{DIGEST.replace(':', '%3A')}",
             json={"name": f"{package}/versions/{DIGEST}", "createTime": "2026-01-01T00:00:00Z"})
    resolved = gcp.resolve_image(f"us-docker.pkg.dev/my-project/wasm/auth:2.0@{DIGEST}")
    assert resolved.digest == DIGEST


def test_a_missing_image_does_not_exist(gcp: GCPClient, mock: responses.RequestsMock) -> None:
    mock.get(f"{AR}/projects/my-project/locations/us/repositories/wasm/packages/auth/tags/latest",
             status=404, json=google_error(404, "NOT_FOUND", "Requested entity was not found."))
    assert gcp.image_exists("us-docker.pkg.dev/my-project/wasm/auth") is False
    with pytest.raises(GCPNotFoundError, match="tags/latest"):
        gcp.resolve_image("us-docker.pkg.dev/my-project/wasm/auth")


def test_a_bad_image_reference_is_refused_before_any_call(
    gcp: GCPClient, mock: responses.RequestsMock
) -> None:
    with pytest.raises(ImageReferenceError, match="not an Artifact Registry Docker host"):
        gcp.image_exists("docker.io/library/nginx:1.25")
    assert len(mock.calls) == 0


def test_an_answer_the_client_cannot_read_is_a_gcp_error(
    gcp: GCPClient, mock: responses.RequestsMock
) -> None:
    mock.get(f"{NS}/{PLUGIN}", json={"name": PLUGIN, "versions": {"v1": {
        "pluginConfigUri": "u", "pluginConfigData": "eA=="}}})  # two members of one oneof
    with pytest.raises(GCPError, match="could not be read") as info:
        gcp.get_wasm_plugin(PLUGIN)
    assert info.value.__cause__ is not None


def test_views_are_frozen(gcp: GCPClient, mock: responses.RequestsMock) -> None:
    mock.get(f"{NS}/{PLUGIN}", body=json.dumps(PLUGIN_JSON))
    plugin = gcp.get_wasm_plugin(PLUGIN)
    with pytest.raises(AttributeError):
        plugin.main_version_id = "v1"  # type: ignore[misc]
    with pytest.raises(TypeError):
        plugin.versions["v3"] = plugin.versions["v1"]  # type: ignore[index]
