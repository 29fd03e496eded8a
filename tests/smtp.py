"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives; optionally one that asks
for a login (with or without STARTTLS), and a tap that records every byte a client sends it."""

from __future__ import annotations

import datetime
import email
import ipaddress
import socket
import ssl
import threading
import time
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.processes import free_port


class _Inbox:
    def __init__(self):
        self.messages = []
        self.refuse = False
        self.logins: list[tuple[bytes, bool]] = []  # (login, whether the session was inside TLS)

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login, session.ssl is not None))
        return AuthResult(success=True)

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


class SmtpServer:
    """`login`: AUTH is offered (in the clear unless `certificate` is given, then only after
    STARTTLS, which the certificate serves)."""

    def __init__(self, port: int | None = None, login: bool = False, certificate: Certificate | None = None):
        self.inbox = _Inbox()
        self.port = port or free_port()
        options = {}
        if login:
            options.update(authenticator=self.inbox.authenticate, auth_require_tls=certificate is not None)
        if certificate is not None:
            options["tls_context"] = certificate.server_context()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()
        self.url = f"smtp://127.0.0.1:{self.port}"

    @property
    def logins(self):
        return self.inbox.logins

    @property
    def messages(self):
        return self.inbox.messages

    def wait_for(self, count: int, seconds: float = 15):
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages

    def stop(self):
        self.controller.stop()


class Certificate:
    """A self-signed certificate for 127.0.0.1; clients trust it only when told to (SSL_CERT_FILE)."""

    def __init__(self, folder: Path):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        self.cert_path, self.key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


class WireTap:
    """Listens on its own port and forwards to `target_port`, keeping every byte the client sent."""

    def __init__(self, target_port: int):
        self.sent = bytearray()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.target_port = target_port
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if from_client:
                    self.sent += chunk
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            sink.close()

    def stop(self) -> None:
        self.listener.close()
