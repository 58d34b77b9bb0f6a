"""The pages' import map: every shared module of static/js under the name the page scripts
import it by ("loket/api" → /static/js/api.js?v=…), so that every import carries the
assets' version (a relative import would lose the ?v= and could mix old and new code after
an upgrade).

Browsers read an import map only inline, never from a file, so the Content-Security-Policy
allows this one text by its sha256 (server/web/headers.py): made once here, with its hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from loket.server.web.assets import package_folder


@dataclass(frozen=True, slots=True)
class ImportMap:
    text: str  # the <script type="importmap"> element's content, exactly
    sha256: str  # base64, as CSP writes it: 'sha256-…'


def import_map(version: str) -> ImportMap:
    names = sorted(path.stem for path in package_folder("loket.static", "js").glob("*.js"))
    imports = {f"loket/{name}": f"/static/js/{name}.js?v={version}" for name in names}
    # "<" never belongs in it; escaped, no text can end the <script> element early
    text = json.dumps({"imports": imports}, indent=1).replace("<", "\\u003c")
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return ImportMap(text, digest)
