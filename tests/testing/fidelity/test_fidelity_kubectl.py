"""API server behaviour kubectl relies on, held against kubectl 1.27, 1.32 and 1.33 and
lightkube, with the simulator in its own process."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fidelity_shell import EXAMPLES, ShellSim

APP = str(EXAMPLES / "apps" / "extension-service-app.yaml")


def test_kubectl_1_27_applies_diffs_and_creates_with_the_openapi_v2_document(
    shell_sim: ShellSim
) -> None:
    out = shell_sim.kubectl("apply", "-f", APP, version="1.27").stdout
    assert "deployment.apps/extension-service-app created" in out
    assert "unchanged" in shell_sim.kubectl("apply", "-f", APP, version="1.27").stdout
    shell_sim.kubectl("diff", "-f", APP, version="1.27")  # exit 0: no difference
    out = shell_sim.kubectl("apply", "-f", str(EXAMPLES / "wasm-plugin.yaml"), version="1.27",
                            check=False)
    assert "gcpwasmplugin.networking.gke.io/gcp-wasm-plugin created" in out.stdout
    shell_sim.kubectl("create", "namespace", "team-a", version="1.27")


@pytest.mark.parametrize("version", [None, "1.33"])
def test_protobuf_bodies_of_create_namespace_and_create_service_are_decoded(
    shell_sim: ShellSim, version: str | None
) -> None:
    shell_sim.kubectl("create", "namespace", "team-b", version=version)
    shell_sim.kubectl("create", "service", "clusterip", "my-cs", "--tcp=5678:8080",
                      version=version)
    svc = json.loads(shell_sim.kubectl("get", "service", "my-cs", "-o", "json").stdout)
    assert svc["spec"]["ports"] == [{"name": "5678-8080", "port": 5678, "protocol": "TCP",
                                     "targetPort": 8080}]
    assert svc["spec"]["selector"] == {"app": "my-cs"}
    assert svc["spec"]["sessionAffinity"] == "None"
    assert "team-b" in shell_sim.kubectl("get", "namespaces", "-o", "name").stdout


def test_get_by_name_is_a_server_side_table_and_sort_by_sees_the_objects(
    shell_sim: ShellSim
) -> None:
    shell_sim.kubectl("apply", "-f", APP)
    shell_sim.kubectl("create", "service", "clusterip", "a-first", "--tcp=80:80")
    header, row = shell_sim.kubectl("get", "service", "extension-service").stdout.splitlines()
    assert header.split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert row.split()[:2] == ["extension-service", "ClusterIP"]
    assert "443/TCP,80/TCP" in row
    lines = shell_sim.kubectl("get", "services", "--sort-by=.metadata.name").stdout
    names = [line.split()[0] for line in lines.splitlines()[1:]]
    assert names == sorted(names)
    assert "a-first" in names
    assert len(names) >= 2


def test_server_side_apply_gets_the_api_servers_defaults(shell_sim: ShellSim,
                                                         tmp_path: Path) -> None:
    manifest = tmp_path / "svc.yaml"
    manifest.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: ssa}\n"
                        "spec:\n  selector: {app: ssa}\n  ports: [{port: 80}]\n")
    shell_sim.kubectl("apply", "--server-side", "-f", str(manifest))
    svc = json.loads(shell_sim.kubectl("get", "service", "ssa", "-o", "json").stdout)
    assert svc["spec"]["type"] == "ClusterIP"
    assert svc["spec"]["clusterIP"].startswith("10.96.")
    assert svc["spec"]["ports"][0]["protocol"] == "TCP"


def test_lightkube_drives_the_callout_app(shell_sim: ShellSim) -> None:
    lightkube = pytest.importorskip("lightkube", reason="lightkube is not installed")
    from lightkube import codecs
    from lightkube.config.kubeconfig import KubeConfig
    from lightkube.resources.apps_v1 import Deployment
    from lightkube.resources.core_v1 import Endpoints, Secret, Service

    client = lightkube.Client(KubeConfig.from_file(shell_sim.kubeconfig))
    for obj in codecs.load_all_yaml(Path(APP).read_text()):
        client.create(obj)
    deployment = client.get(Deployment, "extension-service-app")
    assert deployment.spec is not None
    assert deployment.spec.replicas == 1
    svc = client.get(Service, "extension-service")
    assert svc.spec is not None
    assert svc.spec.ports is not None
    assert svc.spec.ports[0].appProtocol == "HTTP2"
    assert client.get(Secret, "envoy-certs").data is not None
    for _ in range(100):
        endpoints = client.get(Endpoints, "extension-service")
        if endpoints.subsets:
            break
        time.sleep(0.1)
    assert endpoints.subsets
    assert endpoints.subsets[0].addresses


def test_kubectl_1_33_explains_the_crd_fields(shell_sim: ShellSim) -> None:
    out = shell_sim.kubectl("explain", "gcptrafficextension.spec.extensionChains",
                            version="1.33").stdout
    assert "FIELD: extensionChains <[]Object>" in out
    assert "matchCondition\t<Object>" in out
    assert "name\t<string> -required-" in out


def test_a_strategic_merge_patch_on_a_custom_resource_is_refused_with_415(
    shell_sim: ShellSim
) -> None:
    shell_sim.kubectl("apply", "-f", str(EXAMPLES / "wasm-plugin.yaml"), check=False)
    proc = shell_sim.kubectl("patch", "gcpwasmplugin", "gcp-wasm-plugin", "--type=strategic",
                             "-p", '{"spec": {}}', check=False)
    # kubectl recognises the 415 and says so, as with a real API server
    assert ("application/strategic-merge-patch+json is not supported by networking.gke.io/v1, "
            "Kind=GCPWasmPlugin" in proc.stderr)
    shell_sim.kubectl("patch", "gcpwasmplugin", "gcp-wasm-plugin", "--type=merge",
                      "-p", '{"metadata": {"labels": {"a": "b"}}}')


@pytest.mark.parametrize("version", [None, "1.27", "1.33"])
def test_auth_whoami_and_can_i_answer_for_the_simulators_user(
    shell_sim: ShellSim, version: str | None
) -> None:
    assert shell_sim.kubectl("auth", "can-i", "create", "gcptrafficextensions",
                             version=version).stdout.strip() == "yes"
    if version != "1.27":  # whoami is beta in 1.27 (v1beta1), v1 from 1.28
        out = shell_sim.kubectl("auth", "whoami", version=version).stdout
        assert "gke-simulator" in out


def test_unknown_fields_are_pruned_when_validation_is_off(shell_sim: ShellSim,
                                                          tmp_path: Path) -> None:
    plugin = {"apiVersion": "networking.gke.io/v1", "kind": "GCPWasmPlugin",
              "metadata": {"name": "pruned"},
              "spec": {"versions": [{"name": "v1", "weight": 1000000, "typo": "x",
                                     "image": "us-docker.pkg.dev/p/r/i:v1"}]}}
    manifest = tmp_path / "plugin.json"
    manifest.write_text(json.dumps(plugin))
    shell_sim.kubectl("apply", "--validate=false", "-f", str(manifest))
    stored = json.loads(shell_sim.kubectl("get", "gcpwasmplugin", "pruned", "-o",
                                          "json").stdout)
    assert stored["spec"]["versions"][0] == {"name": "v1", "weight": 1000000,
                                             "image": "us-docker.pkg.dev/p/r/i:v1"}


def test_apply_prune_deletes_what_left_the_manifest(shell_sim: ShellSim,
                                                    tmp_path: Path) -> None:
    both = tmp_path / "both.yaml"
    both.write_text("".join(
        f"---\napiVersion: v1\nkind: Service\nmetadata: {{name: {n}, labels: {{app: p}}}}\n"
        f"spec: {{ports: [{{port: 80}}], selector: {{app: {n}}}}}\n" for n in ("a", "b")))
    shell_sim.kubectl("apply", "-f", str(both), "-l", "app=p", "--prune")
    one = tmp_path / "one.yaml"
    one.write_text(both.read_text().split("---\n")[1])
    out = shell_sim.kubectl("apply", "-f", str(one), "-l", "app=p", "--prune").stdout
    assert "service/b pruned" in out
    names = shell_sim.kubectl("get", "services", "-l", "app=p", "-o", "name").stdout.split()
    assert names == ["service/a"]
