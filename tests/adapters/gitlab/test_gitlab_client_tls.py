"""TLS: a private CA is refused by default, accepted with its bundle or with verification off."""

from __future__ import annotations

import ssl
import subprocess

import pytest

from finale.adapters.gitlab.client import GitLabClient, ReportInputError, StatusRequest
from finale.errors import ReportError
from finale.testing.fakes import FakeClock
from finale.testing.fault_http import FaultServer

REQUEST = StatusRequest(project="42", sha="a" * 40, state="success")


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (EC key: fast to make)."""
    folder = tmp_path_factory.mktemp("tls")
    key, crt = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(crt),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return key, crt


@pytest.fixture
def tls_server(cert):
    key, crt = cert
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(crt, key)
    with FaultServer(tls=context) as server:
        yield server


def test_unknown_ca_fails_at_once_naming_the_fix(tls_server):
    clock = FakeClock()
    client = GitLabClient(tls_server.base_url, "t", clock=clock)
    with pytest.raises(ReportError, match=r"TLS verification failed .*--ca-file / CA_BUNDLE"):
        client.post_status(REQUEST)
    assert clock.waits == []


def test_ca_bundle_makes_it_trusted(tls_server, cert):
    posted = GitLabClient(tls_server.base_url, "t", ca_file=str(cert[1])).post_status(REQUEST)
    assert posted.status_id is not None
    assert tls_server.requests[0].headers["Private-Token"] == "t"


def test_verification_can_be_switched_off(tls_server):
    posted = GitLabClient(tls_server.base_url, "t", verify_tls=False).post_status(REQUEST)
    assert posted.status_id is not None


def test_missing_ca_bundle_is_bad_input(tmp_path):
    with pytest.raises(ReportInputError, match="cannot use CA bundle"):
        GitLabClient("gitlab.example.com", "t", ca_file=str(tmp_path / "nope.pem"))
