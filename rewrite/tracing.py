"""Tracing numpy code: call the user's function with symbolic arrays and read back the tree.

A `Symbolic` array answers numpy's protocols (`__array_ufunc__` for `np.exp`, operators
and `@`; `__array_function__` for `np.sum`, `np.linalg.inv`, ...) by building the tree of
the language with the same value (`arrays`). Its sizes are names, so the trace holds for
every size, not for one. What has no exact tree — a value used in an `if`, indexing, a
function outside the list, numpy's broadcasting of a 1-D array against a column — raises a
`TraceError` naming the operation and the line of the user's code that did it, taken from
the call stack (the first frame outside this package, numpy and JAX).

`np.ones`, `np.zeros` and `np.eye` take sizes, not arrays, so numpy cannot hand them to
us: while a trace runs they are replaced by versions that accept symbolic sizes (and
otherwise call numpy's own), under a lock.
Imports: `arrays`, `errors`, `syntax`, `printing`, `sizes`; numpy.
"""

from __future__ import annotations

import functools
import inspect
import linecache
import os
import sys
import threading
import types
from collections import namedtuple
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from . import arrays as A
from . import syntax as S
from .arrays import Array, Dims, Unsupported
from .errors import TraceError
from .printing import show
from .sizes import Size

SUPPORTED = ("+ - * / ** (scalars with arrays, elementwise on equal shapes), @, .T, .sum(), np.sum, np.exp, "
             "np.log, np.sqrt, np.tanh, np.trace, np.dot, np.outer, np.kron, np.diag, np.eye, np.ones, np.zeros, "
             "np.transpose, np.linalg.inv, np.linalg.solve, np.linalg.det, np.linalg.slogdet, np.linalg.norm")


# ---------------------------------------------------------------------------
# Where in the user's code


def _library_dirs() -> tuple[str, ...]:
    """Files whose frames are not the user's: this package, numpy, and JAX if loaded."""
    dirs = [os.path.dirname(os.path.abspath(__file__)), os.path.dirname(os.path.abspath(np.__file__))]
    for name in ("jax", "jaxlib"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None):
            dirs.append(os.path.dirname(os.path.abspath(module.__file__)))
    return tuple(d + os.sep for d in dirs)


def is_library(filename: str, dirs: tuple[str, ...] | None = None) -> bool:
    if filename.startswith("<") and filename != "<stdin>" and not filename.startswith("<ipython"):
        return filename.startswith(("<frozen", "<__array_function__"))
    return os.path.abspath(filename).startswith(dirs if dirs is not None else _library_dirs())


def _column(frame: types.FrameType) -> int:
    """The 1-based column of the expression a frame is executing (Python ≥ 3.11)."""
    try:
        positions = list(frame.f_code.co_positions())
        line, _, col, _ = positions[frame.f_lasti // 2]
        if line == frame.f_lineno and col is not None:
            return col + 1
    except (AttributeError, IndexError, ValueError):
        pass
    return 1


def located(message: str, frame: types.FrameType | None) -> TraceError:
    """A `TraceError` at `frame`'s line, the line's code quoted under the message."""
    if frame is None:
        return TraceError(message)
    file, line = frame.f_code.co_filename, frame.f_lineno
    code = linecache.getline(file, line).strip()
    return TraceError(message + (f"\n    {code}" if code else ""), file=file, pos=S.Pos(line, _column(frame)))


def at_location(message: str, file: str, line: int, col: int | None = None) -> TraceError:
    code = linecache.getline(file, line).strip()
    return TraceError(message + (f"\n    {code}" if code else ""), file=file, pos=S.Pos(line, col or 1))


def user_frame(start: types.FrameType | None = None) -> types.FrameType | None:
    """The innermost frame of the user's code, going out from `start`."""
    dirs = _library_dirs()
    frame = start if start is not None else sys._getframe(1)
    while frame is not None and is_library(frame.f_code.co_filename, dirs):
        frame = frame.f_back
    return frame


def innermost_user_frame(tb: types.TracebackType | None) -> types.FrameType | None:
    """The innermost frame of the user's code in a traceback (where an exception came from)."""
    dirs = _library_dirs()
    found = None
    while tb is not None:
        if not is_library(tb.tb_frame.f_code.co_filename, dirs):
            found = tb.tb_frame
        tb = tb.tb_next
    return found


def fail(message: str) -> TraceError:
    """A `TraceError` at the user's line that is running now (the caller raises it)."""
    return located(message, user_frame(sys._getframe(1)))


def passes_through(tb: types.TracebackType | None, package: str) -> bool:
    """Whether a traceback runs through a package's files (a numpy trace that JAX code hit)."""
    module = sys.modules.get(package)
    if module is None or not getattr(module, "__file__", None):
        return False
    root = os.path.dirname(os.path.abspath(module.__file__)) + os.sep
    while tb is not None:
        if os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(root):
            return True
        tb = tb.tb_next
    return False


# ---------------------------------------------------------------------------
# Symbolic values


class SymbolicSize:
    """An entry of `x.shape`: a size name. It may be compared with the same size and passed
    to `np.ones`, `np.zeros`, `np.eye`; used as a number it stops the trace (the language
    has no sizes as values, and a trace must hold for every size)."""

    __slots__ = ("size",)

    def __init__(self, size: Size) -> None:
        self.size = size

    def __repr__(self) -> str:
        return str(self.size).strip("()")

    __str__ = __repr__

    def __hash__(self) -> int:
        return hash(self.size)

    def __eq__(self, other: object) -> bool:
        other_size = other.size if isinstance(other, SymbolicSize) else Size.of(other) if _is_int(other) else None
        if other_size is None:
            return NotImplemented
        if other_size == self.size:
            return True
        raise fail(f"comparing the sizes {self} and {str(other_size).strip('()')}: the answer depends on the sizes, "
                   "and a trace holds for all of them")

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def _as_number(self, *_: Any) -> Any:
        raise fail(f"the size {self} used as a number: sizes are symbolic in a trace (the language has no "
                   "sizes as values; give the shape as integers to fix it)")

    __index__ = __int__ = __float__ = __bool__ = _as_number
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _as_number
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __pow__ = __mod__ = _as_number
    __lt__ = __le__ = __gt__ = __ge__ = __neg__ = _as_number


def _is_int(x: object) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _size(x: object) -> Size:
    if isinstance(x, SymbolicSize):
        return x.size
    if _is_int(x) and int(x) > 0:
        return Size.of(int(x))
    raise Unsupported(f"the size {x!r}")


def _shape_entry(size: Size) -> int | SymbolicSize:
    return size.coeff if not size.atoms else SymbolicSize(size)


class Symbolic(NDArrayOperatorsMixin):
    """A traced numpy array. Operators go through numpy's ufuncs (the mixin), so `a + b`,
    `np.add(a, b)` and `2.0 + a` all reach `__array_ufunc__`."""

    __slots__ = ("_value", "_why")
    __hash__ = object.__hash__

    def __init__(self, value: Array | None, why: str = "") -> None:
        self._value = value
        self._why = why  # for a value that is not traced (the sign of slogdet): why not

    # -- what numpy code reads ------------------------------------------------------

    @property
    def shape(self) -> tuple[int | SymbolicSize, ...]:
        return tuple(_shape_entry(d) for d in _value(self).dims)

    @property
    def ndim(self) -> int:
        return _value(self).ndim

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float64)

    @property
    def T(self) -> Symbolic:
        return _run(".T", lambda: A.transpose(_value(self)))

    def transpose(self, *axes: Any) -> Symbolic:
        if axes and axes not in ((1, 0), ((1, 0),)):
            raise fail(f".transpose{axes}: only the plain transpose is traced")
        return self.T

    def sum(self, *args: Any, **kwargs: Any) -> Symbolic:
        return _call_function("x.sum()", np.sum, (self, *args), kwargs)

    def dot(self, other: Any) -> Symbolic:
        return _call_function("x.dot()", np.dot, (self, other), {})

    def __repr__(self) -> str:
        if self._value is None:
            return f"<not traced: {self._why}>"
        return f"<traced {A.shape_text(self._value.dims)} array: {show(self._value.expr)}>"

    def __len__(self) -> int:
        first = _value(self).dims[:1]
        if first and not first[0].atoms:
            return first[0].coeff
        raise fail("len() of a traced array: its size is symbolic (the language has no sizes as values)")

    def __getitem__(self, key: Any) -> Symbolic:
        keys = key if isinstance(key, tuple) else (key,)
        if len(keys) <= max(self.ndim, 1) and all(_whole(k) for k in keys):
            return self
        raise fail(f"indexing [{_key_text(key)}]: only whole-array operations are traced")

    def __setitem__(self, key: Any, value: Any) -> None:
        raise fail(f"assigning to [{_key_text(key)}]: arrays are not changed in place in a trace")

    def __iter__(self) -> Iterator[Any]:
        raise fail("iterating over a traced array: only whole-array operations are traced")

    def __bool__(self) -> bool:
        raise fail("a traced value used as a truth value (`if`, `while`, `and`, `or`, `not`, a comparison): "
                   "control flow that depends on the values cannot be traced")

    def _concrete(self, *_: Any, **__: Any) -> Any:
        raise fail("a traced value converted to a number or a concrete array (float(), int(), np.asarray, or a "
                   f"function numpy cannot hand to the tracer); supported: {SUPPORTED}")

    __float__ = __int__ = __complex__ = __index__ = __array__ = _concrete

    def _in_place(self, *_: Any) -> Any:
        raise fail("an in-place operator (+=, -=, *=, ...): other names for the array would see the change; "
                   "write `x = x + y`")

    __iadd__ = __isub__ = __imul__ = __itruediv__ = __imatmul__ = __ipow__ = _in_place

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # protocols probed by numpy, JAX, IPython: not ours
            raise AttributeError(name)
        raise fail(f"the array attribute or method .{name} is not supported; supported: {SUPPORTED}")

    # -- numpy's protocols ----------------------------------------------------------

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        name = _UFUNC_NAMES.get(ufunc.__name__, f"np.{ufunc.__name__}")
        if method != "__call__":
            raise fail(f"np.{ufunc.__name__}.{method} is not supported")
        if kwargs:
            raise fail(f"{name} with {', '.join(kwargs)}= is not supported")
        handler = _UFUNCS.get(ufunc.__name__)
        if handler is None:
            raise fail(_unsupported_ufunc(ufunc.__name__))
        return _run(name, lambda: handler(*(_value(x) for x in inputs)))

    def __array_function__(self, func: Callable, types_: Any, args: tuple, kwargs: dict) -> Any:
        name = _function_name(func)
        if func not in _FUNCTIONS:
            raise fail(f"{name} is not supported; supported: {SUPPORTED}")
        return _call_function(name, func, args, kwargs)


def _whole(k: Any) -> bool:
    return k is Ellipsis or (isinstance(k, slice) and k.start is None and k.stop is None and k.step is None)


def _key_text(key: Any) -> str:
    keys = key if isinstance(key, tuple) else (key,)

    def one(k: Any) -> str:
        if isinstance(k, slice):
            return ":".join("" if v is None else str(v) for v in (k.start, k.stop, k.step)).rstrip(":") or ":"
        if k is None:
            return "None"
        if k is Ellipsis:
            return "..."
        return "<array>" if isinstance(k, (np.ndarray, Symbolic, list)) else repr(k)

    return ", ".join(one(k) for k in keys)


def _value(x: Any) -> Array:
    """Any operand as an `Array`: a traced array, a number, or a constant numpy array."""
    if isinstance(x, Symbolic):
        if x._value is None:
            raise Unsupported(x._why)
        return x._value
    if isinstance(x, SymbolicSize):
        raise Unsupported(f"the size {x} used as a number (sizes are symbolic in a trace)")
    if isinstance(x, np.ndarray):
        return A.constant(x, lambda k: Size.of(k))
    return A.number(x)


def _run(name: str, build: Callable[[], Any]) -> Any:
    """Build a traced result; an `Unsupported` becomes a `TraceError` at the user's line."""
    try:
        out = build()
    except Unsupported as e:
        message = str(e)
        raise located(message if message.startswith(name) else f"{name}: {message}", user_frame(sys._getframe(1))) \
            from None
    if isinstance(out, tuple):
        return out
    return Symbolic(out)


# ---------------------------------------------------------------------------
# ufuncs (operators included)


def _maximum(a: Array, b: Array) -> Array:
    """`np.maximum(x, 0)` is relu(x) — when the language has relu."""
    for x, zero in ((a, b), (b, a)):
        if not zero.dims and A._literal(zero.expr) == 0:
            return A.relu(x, "np.maximum(x, 0)")
    raise Unsupported("np.maximum of two arrays is not supported")


_UFUNCS: dict[str, Callable[..., Array]] = {
    "add": lambda a, b: A.binary("+", a, b),
    "subtract": lambda a, b: A.binary("-", a, b),
    "multiply": lambda a, b: A.binary("*", a, b),
    "divide": lambda a, b: A.binary("/", a, b),
    "true_divide": lambda a, b: A.binary("/", a, b),
    "power": A.power,
    "negative": A.negative,
    "positive": lambda a: a,
    "matmul": A.matmul,
    "exp": lambda a: A.function("exp", a, "np.exp"),
    "log": lambda a: A.function("log", a, "np.log"),
    "sqrt": lambda a: A.function("sqrt", a, "np.sqrt"),
    "tanh": lambda a: A.function("tanh", a, "np.tanh"),
    "absolute": lambda a: A.function("abs", a, "np.abs"),
    "sign": lambda a: A.function("sign", a, "np.sign"),
    "maximum": _maximum,
}

_UFUNC_NAMES = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "true_divide": "/", "power": "**",
                "negative": "unary -", "matmul": "@", "absolute": "np.abs"}

_COMPARISONS = {"greater": ">", "greater_equal": ">=", "less": "<", "less_equal": "<=", "equal": "==",
                "not_equal": "!="}


def _unsupported_ufunc(name: str) -> str:
    if name in _COMPARISONS:
        return (f"the comparison {_COMPARISONS[name]} of traced values: control flow and masks that depend on "
                "the values cannot be traced")
    return f"np.{name} is not supported; supported: {SUPPORTED}"


# ---------------------------------------------------------------------------
# numpy functions

_NOVALUE = getattr(np, "_NoValue", None)
SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])


def _slogdet(a: Array) -> tuple:
    sign = Symbolic(None, "the sign of np.linalg.slogdet is not traced (use its logabsdet: logdet in the "
                          "language, where the determinant is positive)")
    return SlogdetResult(sign, Symbolic(A.logdet(a)))


def _norm(x: Array, ord: Any = None) -> Array:
    if ord is None or (ord == 2 and x.ndim == 1) or (ord == "fro" and x.ndim == 2):
        return A.norm(x)
    raise Unsupported(f"np.linalg.norm with ord={ord!r} of a {x.ndim}-D array (the 2-norm of vectors and the "
                      "Frobenius norm of matrices are traced)")


def _transpose(a: Array, axes: Any = None) -> Array:
    if axes is not None and tuple(axes) != (1, 0):
        raise Unsupported(f"np.transpose with axes={axes!r}")
    return A.transpose(a)


# function -> (arrays it takes, {option: default} in numpy's order, builder)
_FUNCTIONS: dict[Callable, tuple[tuple[str, ...], dict[str, Any], Callable[..., Any]]] = {
    np.sum: (("a",), {"axis": None, "dtype": None, "out": None, "keepdims": _NOVALUE, "initial": _NOVALUE,
                      "where": _NOVALUE}, A.total),
    np.trace: (("a",), {"offset": 0, "axis1": 0, "axis2": 1, "dtype": None, "out": None}, A.trace),
    np.dot: (("a", "b"), {"out": None}, A.dot),
    np.outer: (("a", "b"), {"out": None}, A.outer),
    np.kron: (("a", "b"), {}, A.kron),
    np.diag: (("v",), {"k": 0}, A.diag),
    np.transpose: (("a",), {"axes": None}, None),
    np.linalg.inv: (("a",), {}, A.inverse),
    np.linalg.pinv: (("a",), {}, A.pinv),
    np.linalg.solve: (("a", "b"), {}, A.solve),
    np.linalg.det: (("a",), {}, A.det),
    np.linalg.slogdet: (("a",), {}, _slogdet),
    np.linalg.norm: (("x",), {"ord": None, "axis": None, "keepdims": False}, None),
}


def _function_name(func: Callable) -> str:
    module = getattr(func, "__module__", "") or ""
    prefix = "np.linalg." if "linalg" in module else "np."
    return prefix + getattr(func, "__name__", repr(func))


def _call_function(name: str, func: Callable, args: tuple, kwargs: dict) -> Any:
    arrays, options, build = _FUNCTIONS[func]
    names = arrays + tuple(options)
    if len(args) > len(names):
        raise fail(f"{name} with {len(args)} arguments")
    given = dict(zip(names, args))
    for key, value in kwargs.items():
        if key not in names or key in given:
            raise fail(f"{name} with the argument {key}=")
        given[key] = value
    missing = [a for a in arrays if a not in given]
    if missing:
        raise fail(f"{name} without {', '.join(missing)}")
    if func is np.linalg.norm:
        if given.get("axis") is not None or given.get("keepdims"):
            raise fail(f"{name} with axis= or keepdims=: only whole-array norms are traced")
        return _run(name, lambda: _norm(_value(given["x"]), given.get("ord")))
    if func is np.transpose:
        return _run(name, lambda: _transpose(_value(given["a"]), given.get("axes")))
    for option, default in options.items():
        if option in given and not _is_default(given[option], default):
            raise fail(f"{name} with {option}={given[option]!r} is not supported (only whole-array operations "
                       "are traced)")
    return _run(name, lambda: build(*(_value(given[a]) for a in arrays)))


def _is_default(value: Any, default: Any) -> bool:
    if value is default:
        return True
    if default is _NOVALUE and value is False:  # keepdims=False
        return True
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == default


# ---------------------------------------------------------------------------
# np.ones, np.zeros, np.eye with symbolic sizes


def _symbolic_dims(shape: Any) -> Dims | None:
    """The dims of a shape argument that holds a symbolic size, None if it holds none."""
    entries = shape if isinstance(shape, (tuple, list)) else (shape,)
    if not any(isinstance(e, SymbolicSize) for e in entries):
        return None
    if len(entries) > 2:
        raise fail(f"an array of {len(entries)} axes")
    try:
        return tuple(_size(e) for e in entries)
    except Unsupported as e:
        raise fail(str(e)) from None


def _plain_dtype(dtype: Any, name: str) -> None:
    if dtype is not None and np.dtype(dtype) != np.float64:
        raise fail(f"{name} with dtype={dtype!r} (traced arrays are float64)")


def _arguments(args: tuple, kwargs: dict, names: tuple[str, ...]) -> dict[str, Any]:
    given = dict(zip(names, args))
    given.update(kwargs)
    return given


def _filled(make: Callable[[Dims], Any], name: str) -> Callable[..., Any]:
    """`np.ones` / `np.zeros`: symbolic when the shape holds a symbolic size."""

    def build(original: Callable, *args: Any, **kwargs: Any) -> Any:
        given = _arguments(args, kwargs, ("shape", "dtype", "order"))
        dims = _symbolic_dims(given.get("shape"))
        if dims is None:
            return original(*args, **kwargs)
        if set(given) - {"shape", "dtype"}:
            raise fail(f"{name} with {', '.join(sorted(set(given) - {'shape', 'dtype'}))}=")
        _plain_dtype(given.get("dtype"), name)
        return Symbolic(Array(make(dims), dims))

    return build


def _eye(original: Callable, *args: Any, **kwargs: Any) -> Any:
    given = _arguments(args, kwargs, ("N", "M", "k", "dtype", "order"))
    n, m = given.get("N"), given.get("M")
    if not isinstance(n, SymbolicSize) and not isinstance(m, SymbolicSize):
        return original(*args, **kwargs)
    square = m is None or (isinstance(m, SymbolicSize) and isinstance(n, SymbolicSize) and m.size == n.size)
    if not square or not isinstance(n, SymbolicSize) or given.get("k", 0) != 0:
        raise fail("np.eye with M= or k=: only the square identity is traced")
    if set(given) - {"N", "M", "k", "dtype"}:
        raise fail(f"np.eye with {', '.join(sorted(set(given) - {'N', 'M', 'k', 'dtype'}))}=")
    _plain_dtype(given.get("dtype"), "np.eye")
    return Symbolic(A.eye(n.size))


_LOCK = threading.RLock()


@contextmanager
def _symbolic_constructors() -> Iterator[None]:
    """numpy's `ones`, `zeros`, `eye` accept symbolic sizes while a trace runs."""
    originals = {"ones": np.ones, "zeros": np.zeros, "eye": np.eye}
    wrappers = {"ones": _filled(A.ones, "np.ones"), "zeros": _filled(A.zeros, "np.zeros"), "eye": _eye}
    with _LOCK:
        for name, original in originals.items():
            setattr(np, name, functools.partial(wrappers[name], original))
        try:
            yield
        finally:
            for name, original in originals.items():
                setattr(np, name, original)


# ---------------------------------------------------------------------------
# Calling the user's function


@contextmanager
def _full_jax_tracebacks() -> Iterator[None]:
    """JAX cuts its own frames out of tracebacks; a numpy trace needs them to tell that the
    function computed with JAX (when JAX is loaded at all)."""
    jax = sys.modules.get("jax")
    config = getattr(jax, "config", None)
    try:
        before = config.jax_traceback_filtering if config is not None else None
    except AttributeError:
        before = None
    if before is None:
        yield
        return
    config.update("jax_traceback_filtering", "off")
    try:
        yield
    finally:
        config.update("jax_traceback_filtering", before)


class UsesJax(Exception):
    """The function computed with JAX, not numpy: trace it with `tracing_jax`."""


def call(f: Callable, values: Mapping[str, Any]) -> Any:
    """`f` applied to `values` by parameter name: positionally up to the first parameter
    without a value (`jax.grad(f, argnums=1)` counts positions), by keyword after it;
    names `f` does not list go to its `**kwargs`."""
    params = inspect.signature(f).parameters
    positional, keywords, gap = [], {}, False
    for p in params.values():
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            gap = True
        elif p.kind is inspect.Parameter.VAR_KEYWORD:
            keywords.update({k: v for k, v in values.items() if k not in params})
        elif p.name not in values:
            gap = True
        elif not gap and p.kind is not inspect.Parameter.KEYWORD_ONLY:
            positional.append(values[p.name])
        else:
            keywords[p.name] = values[p.name]
    return f(*positional, **keywords)


def trace_numpy(f: Callable, inputs: Mapping[str, Dims], fixed: Mapping[str, Any], what: str) -> Array:
    """The tree `f` computes when each argument in `inputs` is a symbolic array of that
    numpy shape (the others take the values in `fixed`). Raises `TraceError`, or
    `UsesJax` when the function turns out to compute with JAX."""
    values = {name: Symbolic(Array(S.Var(name), dims)) for name, dims in inputs.items()}
    values.update(fixed)
    try:
        with _symbolic_constructors(), _full_jax_tracebacks():
            out = call(f, values)
    except Exception as e:
        if passes_through(e.__traceback__, "jax"):
            raise UsesJax() from e
        if isinstance(e, TraceError):
            raise e.with_traceback(None) from None
        if isinstance(e, RecursionError):
            raise
        frame = innermost_user_frame(e.__traceback__)
        raise located(f"{what} raised {type(e).__name__}: {e}", frame) from e
    return result_value(out, f, what)


def result_value(out: Any, f: Callable, what: str) -> Array:
    """What a traced function returned, as an `Array`."""
    try:
        if isinstance(out, (Symbolic, np.ndarray, int, float, np.number)) and not isinstance(out, bool):
            return _value(out)
        raise Unsupported(f"{what} returns a {type(out).__name__}; a traced function returns one array or number")
    except Unsupported as e:
        code = getattr(f, "__code__", None)
        if code is None:
            raise TraceError(str(e)) from None
        raise at_location(str(e), code.co_filename, code.co_firstlineno) from None
