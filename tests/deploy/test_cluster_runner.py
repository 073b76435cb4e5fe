"""deploy/cluster.py pieces that need no running cluster: weights, certificates, HAProxy config."""

import shutil
import ssl
import subprocess

import pytest

from deploy.cluster import Cluster, ClusterError, make_certificates, parse_weights

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl: apt-get install -y openssl")
needs_haproxy = pytest.mark.skipif(
    shutil.which("haproxy") is None, reason="needs haproxy: apt-get install -y haproxy (.ci/install-system-packages)"
)


def test_weights_default_to_equal_and_must_match_the_instances():
    assert parse_weights("", 3) == [1, 1, 1]
    assert parse_weights("1,1,2", 3) == [1, 1, 2]
    with pytest.raises(ClusterError, match="LB_WEIGHTS needs 3 integers"):
        parse_weights("1,2", 3)


def test_unknown_algorithm_is_refused(tmp_path):
    with pytest.raises(ClusterError, match="LB_ALGORITHM must be one of roundrobin, leastconn"):
        Cluster(workdir=tmp_path, algorithm="random")


@needs_openssl
def test_local_ca_signs_a_certificate_that_tls_clients_accept_for_localhost(tmp_path):
    ca, server = make_certificates(tmp_path)
    context = ssl.create_default_context(cafile=str(ca))
    assert context.get_ca_certs()[0]["subject"] == ((("commonName", "table_bookings local cluster CA"),),)
    text = subprocess.run(
        ["openssl", "verify", "-CAfile", str(ca), str(tmp_path / "server.pem")], capture_output=True, text=True
    )
    assert text.returncode == 0, text.stderr
    details = subprocess.run(
        ["openssl", "x509", "-in", str(tmp_path / "server.pem"), "-noout", "-ext", "subjectAltName"],
        capture_output=True,
        text=True,
    ).stdout
    assert "DNS:localhost" in details and "IP Address:127.0.0.1" in details
    assert (tmp_path / "ca.key").stat().st_mode & 0o077 == 0
    # A second start reuses the CA the developer already trusts.
    assert make_certificates(tmp_path) == (ca, server)
    assert ca.read_bytes() == (tmp_path / "ca.pem").read_bytes()


@needs_openssl
@needs_haproxy
def test_haproxy_config_is_valid_and_says_what_the_cluster_promises(tmp_path):
    cluster = Cluster(workdir=tmp_path, weights=[1, 1, 2])
    cluster.ca_file, cluster.certificate = make_certificates(tmp_path / "tls")
    config = tmp_path / "haproxy.cfg"
    config.write_text(
        cluster.haproxy_config(
            algorithm="roundrobin",
            weights=cluster.weights,
            https_port=8443,
            http_port=8480,
            stats_socket=tmp_path / "stats.sock",
        )
    )
    check = subprocess.run(["haproxy", "-c", "-q", "-f", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    text = config.read_text()
    assert "http-request redirect code 301 location https://" in text
    assert "uri /healthz" in text
    assert "http-request set-header X-Forwarded-Proto https" in text
    assert "server app3 127.0.0.1:8403 weight 2" in text
    assert "use-server app1 if { req.hdr(x-cluster-pin) -m str app1 }" in text
