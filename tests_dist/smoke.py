"""Smoke test of an installed exa-webhooks; run it with the interpreter it is installed into.

The release workflow runs it on every wheel's own platform; `make sdist` runs it on the
package built from the sdist. It must not import anything from the repository.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer

package = Path(ew.__file__).resolve().parent
assert package.parent.name == "site-packages", f"not the installed package: {package}"
for name in ("py.typed", "_native.pyi", "_page.pyi"):
    assert (package / name).is_file(), f"{name} is missing from {package}"
assert metadata.version("exa-webhooks") == ew.__version__

with ExaServer() as server, server.client(timeout=10) as client:
    created = client.create_webhook([ew.EventType.WEBSET_CREATED], "https://example.com/hooks")
    assert server.webhooks == [created]
    assert client.get_webhook(created.id).url == "https://example.com/hooks"
    assert created.secret
    header = ew.sign_payload(b'{"id": "evt_1"}', created.secret)
    ew.verify_signature(b'{"id": "evt_1"}', header, created.secret)

cli = subprocess.run(
    [sys.executable, "-m", "exa_webhooks", "--version"], capture_output=True, text=True, check=True
)
assert cli.stdout.strip() == f"exa-webhooks {ew.__version__}", cli.stdout
print(f"smoke test passed: exa-webhooks {ew.__version__} on Python {sys.version.split()[0]}")
