"""Testing helpers: `MockLLMServer`, a local provider that streams a scripted answer over real HTTP.

```python
from instantjson.testing import MockLLMServer

with MockLLMServer(answer='{"title": "x"}', chunk=(1, 8), fault=None) as server:
    server.url          # "http://127.0.0.1:PORT"; OpenAI-style clients use server.url + "/v1"
    server.requests     # what it received
```
"""

from ._server import FAULTS as FAULTS
from ._server import INBAND_MESSAGE as INBAND_MESSAGE
from ._server import MockLLMServer as MockLLMServer
from ._server import RecordedRequest as RecordedRequest

__all__ = ["FAULTS", "INBAND_MESSAGE", "MockLLMServer", "RecordedRequest"]
