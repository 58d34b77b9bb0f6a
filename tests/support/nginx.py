"""A real nginx of the tests' own (Debian's /usr/sbin/nginx, never the system's service),
running the sample site file deploy/nginx-loket.conf with its upstreams and listen port
pointed at the test's servers.

    with Nginx(tmp_path, site_conf, upstreams=[8001, 8002]).running() as nginx:
        nginx.url   # http://127.0.0.1:PORT
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
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


def render_site(sample: str, upstreams: Sequence[int], port: int) -> str:
    """The sample site file with its upstream servers and its listen port replaced."""
    servers = "".join(f"    server 127.0.0.1:{upstream};\n" for upstream in upstreams)
    site, count = re.subn(r"(?m)^\s*server 127\.0\.0\.1:8000;\n", servers, sample)
    assert count == 1, "the sample's upstream line changed: update this helper"
    site, count = re.subn(r"(?m)^(\s*)listen 80;", rf"\g<1>listen 127.0.0.1:{port};", site)
    assert count == 1, "the sample's listen line changed: update this helper"
    return site


class Nginx(OnLocalPort, OwnProcess):
    def __init__(self, workdir: Path, sample: Path, upstreams: Sequence[int]) -> None:
        self.workdir = workdir
        self.sample = sample
        self.upstreams = list(upstreams)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> Nginx:
        if not Path(NGINX).exists():
            raise RuntimeError(f"{NGINX} is missing: apt-get install nginx")
        self.workdir.mkdir(parents=True, exist_ok=True)
        site = self.workdir / "loket.conf"
        site.write_text(render_site(self.sample.read_text(), self.upstreams, self.port))
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
