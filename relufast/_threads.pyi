from contextlib import AbstractContextManager
from typing import SupportsIndex, TypeVar

_N = TypeVar("_N", bound=SupportsIndex)

MAX_THREADS: int

def get_num_threads() -> int: ...
def set_num_threads(n: SupportsIndex | None) -> None: ...
def num_threads(n: _N) -> AbstractContextManager[_N]: ...
