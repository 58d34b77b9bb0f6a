"""A real nginx of the tests' own (Debian's /usr/sbin/nginx, never the system's service),
running the sample site file deploy/nginx-loket.conf with its upstreams and listen port
pointed at the test's servers.

    with Nginx(tmp_path, site_conf, upstreams=[8001, 8002]).running() as nginx:
        nginx.url   # http://127.0.0.1:PORT
        nginx.tls   # a sample with TLS: its certificate and port (tls.url: https://…)
"""

from __future__ import annotations

import re
import ssl
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import OnLocalPort, OwnProcess, free_port, port_open

NGINX = "/usr/sbin/nginx"

# nginx's own settings that a packaged nginx.conf would give: everything in the temp dir
MAIN = """\
daemon off;
master_process on;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {site};
}}
"""


TLS_LISTEN = r"(?m)^(\s*)listen 443 ssl;"


def render_site(sample: str, upstreams: Sequence[int], port: int, tls: Tls | None = None) -> str:
    """The sample site file with its upstream servers, its listen ports and (a TLS sample)
    its certificate replaced."""
    servers = "".join(f"    server 127.0.0.1:{upstream};\n" for upstream in upstreams)
    site, count = re.subn(r"(?m)^\s*server 127\.0\.0\.1:8000;\n", servers, sample)
    assert count == 1, "the sample's upstream line changed: update this helper"
    site, count = re.subn(r"(?m)^(\s*)listen 80;", rf"\g<1>listen 127.0.0.1:{port};", site)
    assert count == 1, "the sample's listen line changed: update this helper"
    if tls is not None:
        site, count = re.subn(TLS_LISTEN, rf"\g<1>listen 127.0.0.1:{tls.port} ssl;", site)
        assert count == 1, "the sample's TLS listen line changed: update this helper"
        for name, path in (("ssl_certificate", tls.cert), ("ssl_certificate_key", tls.key)):
            site, count = re.subn(rf"(?m)^(\s*){name} \S+;", rf"\g<1>{name} {path};", site)
            assert count == 1, f"the sample's {name} line changed: update this helper"
    return site


@dataclass(frozen=True)
class Tls:
    """A self-signed certificate for 127.0.0.1 and the port nginx serves https on."""

    port: int
    cert: Path
    key: Path

    @classmethod
    def make(cls, folder: Path) -> Tls:
        cert, key = folder / "cert.pem", folder / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        return cls(free_port(), cert, key)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def trusting(self) -> ssl.SSLContext:
        """A client's TLS settings that trust this certificate."""
        return ssl.create_default_context(cafile=str(self.cert))


class Nginx(OnLocalPort, OwnProcess):
    def __init__(self, workdir: Path, sample: Path, upstreams: Sequence[int]) -> None:
        self.workdir = workdir
        self.sample = sample
        self.upstreams = list(upstreams)
        self.port = free_port()
        self.tls: Tls | None = None  # made at start() for a sample that listens on 443
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> Nginx:
        if not Path(NGINX).exists():
            raise RuntimeError(f"{NGINX} is missing: apt-get install nginx")
        self.workdir.mkdir(parents=True, exist_ok=True)
        sample = self.sample.read_text()
        if re.search(TLS_LISTEN, sample):
            self.tls = Tls.make(self.workdir)
        site = self.workdir / "loket.conf"
        site.write_text(render_site(sample, self.upstreams, self.port, self.tls))
        main = self.workdir / "nginx.conf"
        main.write_text(MAIN.format(dir=self.workdir, site=site))
        command = [NGINX, "-p", str(self.workdir), "-c", str(main), "-e", "stderr"]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=10)
        if checked.returncode != 0:
            raise RuntimeError("nginx refused the configuration:\n" + checked.stderr)
        self.process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        if self.wait_ready(lambda: port_open(self.port), timeout):
            return self
        self.stop()
        raise RuntimeError("nginx did not start")
