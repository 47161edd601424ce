"""Self-signed certificates for the TLS tests, made with the openssl CLI into a temp dir."""

from __future__ import annotations

import os
import subprocess


def make_certificate(directory: str, name: str = "server") -> tuple:
    """A self-signed certificate for localhost and 127.0.0.1 and its key, as PEM files;
    returns (certificate path, key path)."""
    cert = os.path.join(directory, f"{name}.crt")
    key = os.path.join(directory, f"{name}.key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
         "-out", cert, "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    return cert, key
