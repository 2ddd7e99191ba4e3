"""Station side of sync hardening: TLS verified against a province CA file (a real self-signed CA and uvicorn
serving HTTPS on 127.0.0.1), token rotation from the command line, and Retry-After honoured on a 429."""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from station_client.store import Store
from station_client.sync.backoff import Backoff
from station_client.sync.client import SyncClient
from station_client.sync.credentials import TokenStore
from station_client.sync.engine import EngineConfig
from station_client.sync.enroll import build_engine, enroll
from station_client.sync.errors import SyncError
from tests.support.server import RunningServer, start_server

from .conftest import COMMUNE, FAST, FAST_TIMEOUTS, add_people, assert_converged, make_station


def _ca(tmp: Path, name: str) -> tuple[Path, x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    path = tmp / f"{name}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path, cert, key


def _server_cert(tmp: Path, ca: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "province.test")]))
            .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_path, key_path = tmp / "server.pem", tmp / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[RunningServer, Path, Path]]:
    ca_file, ca, ca_key = _ca(tmp_path, "province-ca")
    other_ca, _, _ = _ca(tmp_path, "someone-else")
    cert, key = _server_cert(tmp_path, ca, ca_key)
    srv = start_server(tmp_path, quiet=True, serve_args=("--ssl-certfile", str(cert), "--ssl-keyfile", str(key)),
                       ca_file=str(ca_file))
    try:
        yield srv, ca_file, other_ca
    finally:
        srv.stop()


def test_https_verified_against_the_province_ca_file(tls_server: tuple[RunningServer, Path, Path],
                                                      tmp_path: Path) -> None:
    server, ca_file, other_ca = tls_server
    assert server.url.startswith("https://127.0.0.1:")
    # Without the province's CA (the system store does not know it) or with another CA: refused, nothing sent.
    for i, ca in enumerate((None, other_ca)):
        (tmp_path / f"bad{i}").mkdir()
        with Store.open(tmp_path / f"bad{i}" / "station.db") as store, pytest.raises(SyncError) as err:
            enroll(store, server.url, server.add_station(COMMUNE), ca_file=ca)
        assert err.value.code == "tls"
    # With it: enrolled, and every later request verifies against the copy kept in the data folder.
    d = tmp_path / "good"
    d.mkdir()
    with Store.open(d / "station.db") as store:
        identity = enroll(store, server.url, server.add_station(COMMUNE), ca_file=ca_file)
        assert identity.ca_file == str(d / "province-ca.pem")
        add_people(store, 3, seed=60)
    ca_file.unlink()  # the USB stick is gone
    with Store.open(d / "station.db") as store:
        engine = build_engine(store, config=FAST)
        try:
            assert engine.client.verify == str(d / "province-ca.pem")
            report = engine.run_once()
        finally:
            engine.client.close()
    assert report.ok and report.applied.acked == 3


def test_rotate_token_from_the_command_line(tmp_path: Path, server: RunningServer) -> None:
    a = make_station(tmp_path, server, "a")
    with a.open() as store:
        add_people(store, 2, seed=61)
    assert a.sync().ok
    tokens = TokenStore(a.dir)
    old = tokens.load()
    run = a.cli("rotate-token")
    assert run.returncode == 0, run.stderr
    new = tokens.load()
    assert new and new != old and old not in (a.dir / "station-token").read_text()
    # The CLI used the new token once (whoami): the old one is refused at once, the new one syncs.
    r = requests.get(server.url + "/v1/whoami", headers={"Authorization": f"Bearer {old}"}, timeout=30)
    assert r.status_code == 401
    with a.open() as store:
        add_people(store, 1, seed=62)
    assert a.sync().ok
    assert_converged(a)


class _WaitLog(threading.Event):
    """A cancel event that records every delay waited on it (never set: each wait runs its full delay)."""

    def __init__(self) -> None:
        super().__init__()
        self.delays: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.delays.append(timeout)
        return super().wait(timeout)


def test_retry_after_is_honoured_even_above_the_backoff_cap(tmp_path: Path) -> None:
    assert Backoff(base=0.01, cap=0.1).next_delay(retry_after=3.0) >= 3.0
    server = start_server(tmp_path, quiet=True, serve_args=("--rate", "1", "--burst", "3"))
    try:
        a = make_station(tmp_path, server, "a")
        with a.open() as store:
            add_people(store, 2, seed=63)
            token = TokenStore(a.dir).load()
        client = SyncClient(server.url, token)
        try:
            for _ in range(3):
                client.whoami()  # the bucket is empty now
            with pytest.raises(SyncError) as err:
                client.whoami()
            assert err.value.retryable and err.value.code == "rate_limited" and err.value.retry_after >= 1
        finally:
            client.close()
        waits = _WaitLog()  # the engine waits on its cancel event between tries: the delays it asked for
        with a.open() as store:
            engine = build_engine(store, config=EngineConfig(max_attempts=4, backoff_base=0.01, backoff_cap=0.05),
                                  timeouts=FAST_TIMEOUTS, cancel=waits)
            try:
                report = engine.run_once()
            finally:
                engine.client.close()
        assert report.ok and report.applied.acked == 2
        assert waits.delays and max(waits.delays) >= 1  # it waited as told, not the 50 ms its own cap allows
    finally:
        server.stop()
