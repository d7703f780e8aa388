"""chatkit: learn the OpenAI API in JupyterLab, offline first.

>>> import chatkit
>>> client = chatkit.connect()        # the sandbox, or OpenAI if you set a key  # doctest: +SKIP
"""

from .budget import Budget, BudgetExceeded
from .calllog import CallLog, watch
from .connect import backend_info, connect, connect_async
from .conversation import Conversation
from .errors import ChatkitError
from .failures import explain
from .keys import mask_key, save_key
from .verify import verify

__all__ = ["Budget", "BudgetExceeded", "CallLog", "ChatkitError", "Conversation", "backend_info", "connect",
           "connect_async", "explain", "mask_key", "save_key", "verify", "watch"]
__version__ = "0.1.0"
