"""The GKE guide's steps from a terminal, against ``python -m gke_service_extensions.testing``."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from fidelity_shell import EXAMPLES, ShellSim

from gke_service_extensions._gke import id_names

APP = EXAMPLES / "apps" / "extension-service-app.yaml"
SAMPLE_IMAGE = "us-docker.pkg.dev/service-extensions-samples/plugins/local-reply:main"

GATEWAY = {
    "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
    "metadata": {"name": "external-http"},
    "spec": {"gatewayClassName": "gke-l7-global-external-managed",
             "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}]}}


def traffic_extension(backend: dict[str, Any], name: str = "my-traffic-extension"
                      ) -> dict[str, Any]:
    ext: dict[str, Any] = {"name": "ext1", "backendRef": backend,
                           "supportedEvents": ["RequestHeaders"]}
    if backend.get("kind") != "GCPWasmPlugin":
        ext.update(authority="myext.com", timeout="1s")
    return {"apiVersion": "networking.gke.io/v1", "kind": "GCPTrafficExtension",
            "metadata": {"name": name},
            "spec": {"targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                     "name": "external-http"}],
                     "extensionChains": [{"name": "chain1", "matchCondition": {
                         "celExpressions": [{"celMatcher":
                                             'request.path.contains("serviceextensions")'}]},
                         "extensions": [ext]}]}}


SERVICE_BACKEND = {"group": "", "kind": "Service", "name": "extension-service", "port": 443}


def write(tmp_path: Path, *docs: dict[str, Any]) -> str:
    path = tmp_path / f"m{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    return str(path)


def wait_for(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


def condition(sim: ShellSim, kind: str, name: str, type_: str) -> str | None:
    """The status of condition ``type_`` on the object's first ancestor (None: not yet)."""
    obj = get_json(sim, kind, name)
    for ancestor in obj.get("status", {}).get("ancestors") or []:
        for cond in ancestor.get("conditions") or []:
            if cond["type"] == type_:
                return str(cond["status"])
    return None


def wait_condition(sim: ShellSim, kind: str, name: str, type_: str, status: str) -> None:
    wait_for(lambda: condition(sim, kind, name, type_) == status, timeout=30)


def get_json(sim: ShellSim, *args: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(sim.kubectl("get", *args, "-o", "json").stdout)
    return out


# --------------------------------------------------------------------------- callout app


@pytest.mark.parametrize("version", [None, "1.33"])
def test_the_guides_callout_app_applies_and_its_pods_feed_the_services_endpoints(
    shell_sim: ShellSim, version: str | None
) -> None:
    out = shell_sim.kubectl("apply", "-f", str(APP),
                            version=version).stdout
    assert "deployment.apps/extension-service-app created" in out
    assert "service/extension-service created" in out
    assert "secret/envoy-certs created" in out
    shell_sim.kubectl("rollout", "status", "deployment/extension-service-app",
                      "--timeout=30s", version=version)
    shell_sim.kubectl("wait", "--for=condition=Available", "deployment/extension-service-app",
                      "--timeout=30s", version=version)
    (pod,) = get_json(shell_sim, "pods", "-l", "app=store")["items"]
    assert pod["status"]["phase"] == "Running"
    assert pod["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"
    (rs,) = get_json(shell_sim, "replicasets")["items"]
    assert rs["status"]["readyReplicas"] == 1
    ip = pod["status"]["podIP"]
    endpoints = get_json(shell_sim, "endpoints", "extension-service")
    assert [a["ip"] for a in endpoints["subsets"][0]["addresses"]] == [ip]
    assert sorted(p["port"] for p in endpoints["subsets"][0]["ports"]) == [443, 8080]
    (eps,) = get_json(shell_sim, "endpointslices", "-l",
                      "kubernetes.io/service-name=extension-service")["items"]
    assert eps["endpoints"][0]["addresses"] == [ip]
    secret = get_json(shell_sim, "secret", "envoy-certs")
    assert set(secret["data"]) == {"tls.crt", "tls.key"}
    # scaling down empties the endpoints
    shell_sim.kubectl("patch", "deployment/extension-service-app", "--type=merge",
                      "-p", '{"spec": {"replicas": 0}}', version=version)
    wait_for(lambda: not get_json(shell_sim, "endpoints", "extension-service").get("subsets"))


def test_an_extension_on_the_callout_app_is_programmed_from_the_shell(
    shell_sim: ShellSim, tmp_path: Path
) -> None:
    shell_sim.kubectl("apply", "-f", str(APP))
    shell_sim.kubectl("rollout", "status", "deployment/extension-service-app", "--timeout=30s")
    shell_sim.kubectl("apply", "-f", write(tmp_path, GATEWAY,
                                           traffic_extension(SERVICE_BACKEND)))
    wait_condition(shell_sim, "gcptrafficextension", "my-traffic-extension", "Programmed",
                   "True")


# --------------------------------------------------------------------------- admission


REFUSALS = (  # SPEC §7: the guide's three writes refused at creation, GKE's messages
    'GCPTrafficExtension.networking.gke.io "my-traffic-extension" is invalid: '
    'spec.gatewayRef: gateway "external-http" not found in namespace "default"',
    'GCPTrafficExtension.networking.gke.io "my-traffic-extension" is invalid: '
    'spec.service: service "extension-service" not found in namespace "default"',
    'GCPTrafficExtension.networking.gke.io "my-traffic-extension" is invalid: '
    'spec.service: no network endpoints found for service "extension-service"',
)


def _callout_service() -> dict[str, Any]:
    (svc,) = [d for d in yaml.safe_load_all(APP.read_text()) if d["kind"] == "Service"]
    return dict(svc)


@pytest.mark.parametrize("version", [None, "1.27", "1.33"])
def test_by_default_creation_is_refused_as_gke_does_for_a_missing_gateway_service_or_endpoints(
    shell_sim: ShellSim, tmp_path: Path, version: str | None
) -> None:
    assert "admission:       as GKE" in shell_sim.output
    ext = write(tmp_path, traffic_extension(SERVICE_BACKEND))
    proc = shell_sim.kubectl("apply", "-f", ext, check=False, version=version)
    assert proc.returncode != 0
    assert REFUSALS[0] in proc.stderr
    shell_sim.kubectl("apply", "-f", write(tmp_path, GATEWAY), version=version)
    proc = shell_sim.kubectl("create", "-f", ext, check=False, version=version)
    assert proc.returncode != 0
    assert REFUSALS[1] in proc.stderr
    shell_sim.kubectl("apply", "-f", write(tmp_path, _callout_service()), version=version)
    proc = shell_sim.kubectl("apply", "--server-side", "-f", ext, check=False,
                             version=version)
    assert proc.returncode != 0
    assert REFUSALS[2] in proc.stderr
    assert "my-traffic-extension" not in shell_sim.kubectl(
        "get", "gcptrafficextensions", "-o", "name", version=version).stdout
    # once the callout app runs, the same manifest is admitted and programmed
    shell_sim.kubectl("apply", "-f", str(APP), version=version)
    shell_sim.kubectl("rollout", "status", "deployment/extension-service-app",
                      "--timeout=30s", version=version)
    shell_sim.kubectl("apply", "-f", ext, version=version)
    wait_condition(shell_sim, "gcptrafficextension", "my-traffic-extension", "Programmed",
                   "True")


def test_by_default_lightkube_gets_gkes_refusals_as_422_with_gkes_messages(
    shell_sim: ShellSim
) -> None:
    lightkube = pytest.importorskip("lightkube", reason="lightkube is not installed")
    from lightkube import ApiError, codecs
    from lightkube.config.kubeconfig import KubeConfig
    from lightkube.generic_resource import create_namespaced_resource

    traffic = create_namespaced_resource("networking.gke.io", "v1", "GCPTrafficExtension",
                                         "gcptrafficextensions")
    create_namespaced_resource("gateway.networking.k8s.io", "v1", "Gateway", "gateways")
    client = lightkube.Client(KubeConfig.from_file(shell_sim.kubeconfig))
    ext = traffic_extension(SERVICE_BACKEND)
    messages = []
    for setup in (None, GATEWAY, _callout_service()):
        if setup is not None:
            client.create(codecs.from_dict(setup))
        with pytest.raises(ApiError) as err:
            client.create(traffic.from_dict(ext))  # type: ignore[attr-defined]
        assert err.value.status.code == 422
        assert err.value.status.reason == "Invalid"
        messages.append(err.value.status.message)
    assert tuple(messages) == REFUSALS
    assert list(client.list(traffic)) == []


def test_no_admission_flag_lets_the_status_report_the_failure(
    shell_sim_factory: Callable[..., ShellSim], tmp_path: Path
) -> None:
    sim = shell_sim_factory("--no-admission")
    assert "admission:       off" in sim.output
    sim.kubectl("apply", "-f", write(tmp_path, traffic_extension(SERVICE_BACKEND)))
    wait_condition(sim, "gcptrafficextension", "my-traffic-extension", "Accepted", "False")


# --------------------------------------------------------------------------- gateway


def _programmed_wasm_setup(sim: ShellSim, tmp_path: Path, image: str) -> None:
    plugin = {"apiVersion": "networking.gke.io/v1", "kind": "GCPWasmPlugin",
              "metadata": {"name": "gcp-wasm-plugin"},
              "spec": {"versions": [{"name": "wasm-plugin-version", "image": image,
                                     "weight": 1000000}],
                       "logConfig": {"enabled": True, "sampleRate": 1000000,
                                     "minLogLevel": "INFO"}}}
    ext = traffic_extension({"group": "networking.gke.io", "kind": "GCPWasmPlugin",
                             "name": "gcp-wasm-plugin"})
    sim.kubectl("apply", "-f", write(tmp_path, GATEWAY, plugin, ext))
    wait_condition(sim, "gcpwasmplugin", "gcp-wasm-plugin", "Programmed", "True")
    wait_condition(sim, "gcptrafficextension", "my-traffic-extension", "Programmed", "True")


def test_the_public_sample_image_is_known_and_annotations_use_gkes_forms(
    shell_sim: ShellSim, tmp_path: Path
) -> None:
    _programmed_wasm_setup(shell_sim, tmp_path, SAMPLE_IMAGE)
    gw = wait_for(lambda: (g := get_json(shell_sim, "gateway", "external-http"))["metadata"]
                  .get("annotations", {}).get("networking.gke.io/wasm-plugin-versions") and g)
    ann = {k.split("/", 1)[1]: v for k, v in gw["metadata"]["annotations"].items()
           if k.startswith("networking.gke.io/")}
    assert "gateway.finalizer.networking.gke.io" in gw["metadata"]["finalizers"]
    number = r"\d+"
    assert re.fullmatch(rf"projects/{number}/locations/global/lbTrafficExtensions/\S+",
                        ann["lb-traffic-extensions"])
    plugin = re.fullmatch(rf"projects/{number}/locations/global/wasmPlugins/(\S+)",
                          ann["wasm-plugins"])
    assert plugin is not None
    assert id_names(plugin.group(1), "default", "gcp-wasm-plugin")
    version = ann["wasm-plugin-versions"].rsplit("/versions/", 1)
    assert version[0] == ann["wasm-plugins"]
    assert version[1] != "wasm-plugin-version"
    assert id_names(version[1], "wasm-plugin-version")
    assert re.fullmatch(rf"/projects/{number}/global/addresses/\S+", ann["addresses"])
    for key in ("firewalls", "forwarding-rules", "url-maps", "target-http-proxies"):
        assert ann[key].startswith(f"/projects/{ann['addresses'].split('/')[2]}/global/"), key
    assert ann["ssl-certificates"] == ""
    assert "health-checks" in ann
    assert gw["spec"]["listeners"][0]["allowedRoutes"] == {"namespaces": {"from": "Same"}}
    # deleting the Gateway goes through GKE's finalizer
    shell_sim.kubectl("delete", "gateway", "external-http", "--timeout=30s")
    assert "external-http" not in shell_sim.kubectl("get", "gateways", "-o", "name").stdout


def test_image_flag_registers_an_image_for_the_guides_wasm_steps(
    shell_sim_factory: Callable[..., ShellSim], tmp_path: Path
) -> None:
    image = "us-docker.pkg.dev/my-project/wasm/my-plugin:v1"
    digest = "sha256:" + "ab" * 32
    sim = shell_sim_factory("--image", f"{image}={digest}")
    assert f"image:           {image} ({digest})" in sim.output
    _programmed_wasm_setup(sim, tmp_path, image)


def test_a_bad_image_flag_is_a_clear_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "gke_service_extensions.testing", "--image",
                           "us-docker.pkg.dev/p/r/i:v1=sha256:nothex"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "error: --image: digest must be 'sha256:<64 hex>'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_http_routes_get_status_parents_from_gkes_controller(
    shell_sim: ShellSim, tmp_path: Path
) -> None:
    route = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
             "metadata": {"name": "store"},
             "spec": {"parentRefs": [{"name": "external-http"}],
                      "rules": [{"backendRefs": [{"name": "store", "port": 8080}]}]}}
    shell_sim.kubectl("apply", "-f", write(tmp_path, GATEWAY, route))
    got = wait_for(lambda: (r := get_json(shell_sim, "httproute", "store")).get(
        "status", {}).get("parents") and r)
    (parent,) = got["status"]["parents"]
    assert parent["controllerName"] == "networking.gke.io/gateway"
    assert parent["parentRef"] == {"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                   "name": "external-http"}
    conditions = {c["type"]: (c["status"], c["reason"]) for c in parent["conditions"]}
    assert conditions == {"Accepted": ("True", "Accepted"),
                          "ResolvedRefs": ("False", "BackendNotFound")}
    assert got["spec"]["rules"][0]["matches"] == [{"path": {"type": "PathPrefix",
                                                            "value": "/"}}]
    assert got["spec"]["rules"][0]["backendRefs"][0]["weight"] == 1


# --------------------------------------------------------------------------- events


@pytest.mark.parametrize("version", ["1.27", "1.33"])
def test_events_read_from_the_shell_are_gkes_text(
    shell_sim: ShellSim, tmp_path: Path, version: str
) -> None:
    plugin = {"apiVersion": "networking.gke.io/v1", "kind": "GCPWasmPlugin",
              "metadata": {"name": "gcp-wasm-plugin"},
              "spec": {"versions": [{"name": "wasm-plugin-version", "image": SAMPLE_IMAGE,
                                     "weight": 1000000}]}}
    ext = traffic_extension({"group": "networking.gke.io", "kind": "GCPWasmPlugin",
                             "name": "gcp-wasm-plugin"})
    shell_sim.kubectl("apply", "-f", write(tmp_path, GATEWAY, plugin, ext), version=version)
    wait_condition(shell_sim, "gcptrafficextension", "my-traffic-extension", "Programmed",
                   "True")
    ref = ('AncestorRef {Group: "gateway.networking.k8s.io", Kind: "Gateway", Namespace: '
           '"default", Name: "external-http", SectionName: nil, Port: nil}')
    path = '"default/my-traffic-extension"'
    wanted = [f"Attachment of GCPTrafficExtension {path} to {ref} was a success",
              "All the object references were able to be resolved for GCPTrafficExtension "
              f"{path} bound to {ref}",
              f"Programming of GCPTrafficExtension {path} to {ref} was a success"]

    def messages(name: str) -> list[tuple[str, str, str, str]]:
        events = get_json(shell_sim, "events", "--field-selector",
                          f"involvedObject.name={name}")["items"]
        return [(e["type"], e["reason"], e["source"]["component"], e["message"])
                for e in events]

    got = wait_for(lambda: (m := messages("my-traffic-extension")) and all(
        ("Normal", "SYNC", "sc-gateway-controller", w) in m for w in wanted) and m)
    assert ("Normal", "ADD", "sc-gateway-controller", "default/my-traffic-extension") in got
    plugin_events = wait_for(lambda: messages("gcp-wasm-plugin"))
    assert ("Normal", "SYNC", "sc-gateway-controller",
            f'Attachment of WasmPlugin "default/gcp-wasm-plugin" to {ref} was a success'
            ) in plugin_events
    described = shell_sim.kubectl("describe", "gcptrafficextension", "my-traffic-extension",
                                  version=version).stdout
    assert f"sc-gateway-controller  {wanted[0]}" in described


@pytest.mark.gcloud
def test_gcloud_lists_the_resources_the_gateway_annotations_name(
    shell_sim: ShellSim, tmp_path: Path
) -> None:
    """What GKE programmed, seen from both sides: the Gateway's annotations (kubectl) and
    the Google Cloud resources (gcloud) name the same generated ids."""
    import os
    import shutil
    import subprocess

    if shutil.which("gcloud") is None:
        pytest.skip("gcloud is not installed")
    _programmed_wasm_setup(shell_sim, tmp_path, SAMPLE_IMAGE)
    gw = wait_for(lambda: (g := get_json(shell_sim, "gateway", "external-http"))["metadata"]
                  .get("annotations", {}).get("networking.gke.io/wasm-plugin-versions") and g)
    ann = gw["metadata"]["annotations"]
    (line,) = [x for x in shell_sim.output.splitlines() if x.startswith("Google Cloud:")]
    endpoint = line.split()[2]
    env = {**os.environ, "CLOUDSDK_API_ENDPOINT_OVERRIDES_NETWORKSERVICES": endpoint + "/",
           "CLOUDSDK_AUTH_DISABLE_CREDENTIALS": "true", "CLOUDSDK_CORE_PROJECT": "sim-project",
           "CLOUDSDK_CONFIG": str(tmp_path / "gcloud"), "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
           "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "true"}

    def gcloud(*args: str) -> Any:
        proc = subprocess.run(["gcloud", *args, "--format=json"], env=env,
                              capture_output=True, text=True, timeout=90, check=False)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    ext_id = ann["networking.gke.io/lb-traffic-extensions"].rsplit("/", 1)[1]
    listed = gcloud("service-extensions", "lb-traffic-extensions", "list",
                    "--location=global")
    assert [e["name"].rsplit("/", 1)[1] for e in listed] == [ext_id]
    plugin_id = ann["networking.gke.io/wasm-plugins"].rsplit("/", 1)[1]
    version_id = ann["networking.gke.io/wasm-plugin-versions"].rsplit("/", 1)[1]
    plugin = gcloud("beta", "service-extensions", "wasm-plugins", "describe", plugin_id,
                    "--location=global")
    assert plugin["mainVersionId"] == version_id
