"""instantjson: live structured data from a language model's streamed answer.

A Rust core parses JSON incrementally and emits *instant* path events (`steps[0].owner` is
complete, `summary` grew by `" of the"`) in one pass over the text, whatever the chunking.

    >>> from instantjson import InstantParser
    >>> p = InstantParser()
    >>> [(e.event_type, e.path, e.value) for e in p.feed('{"title": "Gro')]
    [('delta', 'title', 'Gro')]
    >>> [(e.event_type, e.path, e.value) for e in p.feed('wth plan", "n": 1}')]
    [('delta', 'title', 'Growth plan'), ('done', 'title', 'Growth plan'), ('done', 'n', 1)]
    >>> p.value
    {'title': 'Growth plan', 'n': 1}
"""

from ._agent import Agent as Agent
from ._agent import Agently as Agently
from ._client import Retries as Retries
from ._core import Frame as Frame
from ._core import InstantEvent as InstantEvent
from ._core import InstantParser as InstantParser
from ._core import NDJSONDecoder as NDJSONDecoder
from ._core import SSEDecoder as SSEDecoder
from ._core import __version__ as __version__
from ._core import loads as loads
from ._core import parse_partial as parse_partial
from ._exceptions import DeadlineExceededError as DeadlineExceededError
from ._exceptions import FramingError as FramingError
from ._exceptions import InstantJSONError as InstantJSONError
from ._exceptions import OutputValidationError as OutputValidationError
from ._exceptions import ParseError as ParseError
from ._exceptions import ProducerLostError as ProducerLostError
from ._exceptions import ProviderError as ProviderError
from ._exceptions import ProviderStatusError as ProviderStatusError
from ._exceptions import ProviderStreamError as ProviderStreamError
from ._exceptions import ReplayOverflowError as ReplayOverflowError
from ._exceptions import ResponseClosedError as ResponseClosedError
from ._exceptions import StreamIncompleteError as StreamIncompleteError
from ._exceptions import UnknownPayloadWarning as UnknownPayloadWarning
from ._parts import Meta as Meta
from ._parts import Usage as Usage
from ._providers.anthropic import Anthropic as Anthropic
from ._providers.azure import AzureOpenAI as AzureOpenAI
from ._providers.gemini import Gemini as Gemini
from ._providers.ollama import Ollama as Ollama
from ._providers.openai import OpenAICompatible as OpenAICompatible
from ._providers.openai_responses import OpenAIResponses as OpenAIResponses
from ._response import Response as Response
from ._typed import TypedEvent as TypedEvent

__all__ = [
    "Agent",
    "Agently",
    "Anthropic",
    "AzureOpenAI",
    "DeadlineExceededError",
    "Frame",
    "FramingError",
    "Gemini",
    "InstantEvent",
    "InstantJSONError",
    "InstantParser",
    "Meta",
    "NDJSONDecoder",
    "Ollama",
    "OpenAICompatible",
    "OpenAIResponses",
    "OutputValidationError",
    "ParseError",
    "ProducerLostError",
    "ProviderError",
    "ProviderStatusError",
    "ProviderStreamError",
    "ReplayOverflowError",
    "Response",
    "ResponseClosedError",
    "Retries",
    "SSEDecoder",
    "StreamIncompleteError",
    "TypedEvent",
    "UnknownPayloadWarning",
    "Usage",
    "__version__",
    "loads",
    "parse_partial",
]

for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and _obj.__module__.startswith("instantjson."):
        try:
            _obj.__module__ = "instantjson"
        except (AttributeError, TypeError):  # extension types fix their module at build time
            pass
del _name, _obj  # pyright: ignore[reportPossiblyUnboundVariable]
