"""`zooagg serve --ssl-certfile --ssl-keyfile` serves HTTPS (a self-signed certificate made here)."""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from .conftest import PASSWORD, add_member, free_port, spawn


def self_signed(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the HTTPS test makes its certificate with the openssl command, which is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def test_https_with_a_self_signed_certificate(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    data = tmp_path / "data"
    token = add_member(data)
    port = free_port()
    trust = ssl.create_default_context(cafile=str(cert))
    process = spawn(["--data-dir", str(data), "--ssl-certfile", str(cert), "--ssl-keyfile", str(key)], port,
                    scheme="https", verify=trust)
    try:
        url = f"https://127.0.0.1:{port}"
        with httpx.Client(base_url=url, verify=trust, headers={"Authorization": f"Bearer {token}"}) as client:
            assert client.post("/api/projects", json={"title": "secure"}).status_code == 201
        with httpx.Client(base_url=url, verify=trust, follow_redirects=False) as browser:
            form = browser.get("/web/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
            signed_in = browser.post("/web/login", data={"name": "ada", "password": PASSWORD, "csrf": csrf})
            assert "secure" in signed_in.headers["set-cookie"].lower()
        with pytest.raises(httpx.ConnectError):  # an untrusted certificate is refused
            httpx.get(f"{url}/-/version")
    finally:
        process.kill()
        process.wait()
