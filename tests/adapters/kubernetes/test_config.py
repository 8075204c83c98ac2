"""kubectl's configuration rules: KUBECONFIG files merged (first wins), else ~/.kube/config."""

import json

import pytest

from finale.adapters.kubernetes.config import load_config, merge_kubeconfigs
from finale.errors import InputError


def config(cluster, server, context=None, token="t"):
    document = {
        "clusters": [{"name": cluster, "cluster": {"server": server, "certificate-authority": "ca.pem"}}],
        "users": [{"name": cluster, "user": {"token": token}}],
        "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": cluster}}],
    }
    if context:
        document["current-context"] = context
    return document


def test_the_first_file_defining_a_name_or_the_current_context_wins():
    merged = merge_kubeconfigs(
        [config("a", "https://one"), config("a", "https://two", context="a"), config("b", "https://three", "b")]
    )
    assert [c["cluster"]["server"] for c in merged["clusters"]] == ["https://one", "https://three"]
    assert merged["current-context"] == "a"


def test_kubeconfig_list_skips_missing_files_and_resolves_paths_beside_each_file(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "config").write_text(json.dumps(config("a", "http://127.0.0.1:1", context="a")))
    loaded = load_config({"KUBECONFIG": f"{tmp_path}/missing:{tmp_path}/one/config", "HOME": str(tmp_path)})
    single = loaded.get()
    assert single.cluster.server == "http://127.0.0.1:1"
    assert single.cluster.certificate_auth == str(tmp_path / "one" / "ca.pem")


def test_home_config_is_used_without_kubeconfig(tmp_path):
    (tmp_path / ".kube").mkdir()
    (tmp_path / ".kube" / "config").write_text(json.dumps(config("h", "http://127.0.0.1:2", context="h")))
    assert load_config({"HOME": str(tmp_path)}).get().cluster.server == "http://127.0.0.1:2"


def test_an_unreadable_kubeconfig_names_the_file(tmp_path):
    (tmp_path / "bad").write_text("clusters: [")
    with pytest.raises(InputError, match="bad: not a readable kubeconfig"):
        load_config({"KUBECONFIG": str(tmp_path / "bad")})
