"""A certified derivative as a runnable Python module.

`emit` takes what `Checker.derive` proved (`kind(f, x) = G`, with its certificate),
rearranges `G` for speed (`arrange`), has the checker prove `G = R` for the rearranged
`R` (the ordinary prover and kernel: the rearrangement is ring laws, so this is one
`linear` step), and writes a module computing `R` (`codegen`). What runs is what was
proved: the derivation certificate says `kind(f, x) = G`, the rearrangement certificate
`G = R`. If the rearrangement cannot be proved, the module computes `G` as derived and
says so in a comment. With `value`, `f` itself is computed alongside (arranged and proved
the same way, `f = F`), sharing its subterms with the derivative.
Imports: `syntax`, `document`, `shapes`, `sizes`, `printing`, `errors`, `arrange`, `codegen`, `check` and
`result` (the checker, for types).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from . import codegen
from . import document as doc
from . import syntax as S
from .arrange import DEFAULT_SIZE, Arranger
from .errors import RewriteError
from .printing import show
from .shapes import elaborate
from .sizes import Env, Shape, Size

if TYPE_CHECKING:
    from .check import Checker
    from .result import Result

WHAT = {"grad": "gradient", "jac": "Jacobian", "hess": "Hessian"}
DEFAULT_NAME = "grad"


@dataclass
class Rearrangement:
    """One rearrangement: `original = arranged`, and the checker's result for it."""

    label: str
    original: S.Expr  # as derived (or as written, for the value)
    arranged: S.Expr  # what the code computes
    result: Result | None  # None when nothing was rearranged

    @property
    def proved(self) -> bool:
        return self.result is None or self.result.outcome == "proved"


@dataclass
class Emitted:
    """A generated module: its text, and the certificates of what it computes."""

    source: str
    backend: str
    name: str
    derivation: Result
    steps: list[Rearrangement] = field(default_factory=list)
    # sizes no argument's shape carries (written only in `I(k)`, `ones(k)`): keyword
    # parameters of the function, dimension name → spelling
    size_parameters: dict[str, str] = field(default_factory=dict)

    @property
    def certificates(self) -> list[dict[str, Any]]:
        """The derivation's certificate, then one per proved rearrangement."""
        certs = [self.derivation.certificate] if self.derivation.certificate else []
        return certs + [s.result.certificate for s in self.steps if s.result is not None and s.result.certificate]

    @property
    def rearranged(self) -> bool:
        """Whether every rearrangement was proved (else the module computes the derived form)."""
        return all(s.proved for s in self.steps)

    def compile(self) -> Callable[..., Any]:
        """The emitted function, ready to call (for JAX, under `jax.jit`)."""
        namespace: dict[str, Any] = {"__name__": f"rewrite_emitted_{self.name}"}
        exec(compile(self.source, f"<rewrite {self.backend} {self.name}>", "exec"), namespace)  # noqa: S102
        fn = namespace[self.name]
        if self.backend == "jax":
            import jax

            return jax.jit(fn)
        return fn

    def write_certificates(self, path: str | Path) -> list[Path]:
        """The derivation's certificate to `path`; each rearrangement's beside it, named
        `STEM.LABEL.SUFFIX` (`g.json` → `g.rearranged.json`, `g.value.json`)."""
        path = Path(path)
        written = []
        for cert, label in zip(self.certificates, [None] + [s.label for s in self.steps if s.result is not None
                                                           and s.result.certificate]):
            target = path if label is None else path.with_name(f"{path.stem}.{label}{path.suffix}")
            target.write_text(json.dumps(cert, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            written.append(target)
        return written


def parse_sizes(text: str) -> dict[str, int]:
    """`m=1000,n=50` → {"m": 1000, "n": 50}."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value.isdigit() or int(value) < 1:
            raise RewriteError(f"--sizes expects NAME=POSITIVE_INTEGER pairs separated by commas, got '{part}'")
        out[name] = int(value)
    return out


def check_options(backend: str, name: str, sizes: Mapping[str, int] | None, env: Env) -> dict[str, int]:
    """The options of `emit`, refused with a clear message when they cannot work (the
    command line asks before it derives anything); the sizes as a dict."""
    if backend not in codegen.BACKENDS:
        raise RewriteError(f"unknown backend '{backend}' (known: {', '.join(codegen.BACKENDS)})")
    if not name.isidentifier() or codegen.keyword.iskeyword(name) or name.startswith("_") \
            or name in codegen.MODULE_NAMES:
        raise RewriteError(f"'{name}' cannot name the emitted function (a Python identifier, not a keyword, "
                           "not starting with _, not np, jnp, jax, torch, math, abs or check_grad)")
    sizes = dict(sizes or {})
    unknown = set(sizes) - set(env.dims)
    if unknown:
        raise RewriteError(f"--sizes names {', '.join(sorted(unknown))}, which no declaration uses "
                           f"(sizes: {', '.join(sorted(env.dims)) or 'none'})")
    return sizes


def emit(checker: Checker, f: S.Expr, x: S.Expr, kind: str, env: Env, derived: S.Expr, derivation: Result, *,
         backend: str = "numpy", name: str = DEFAULT_NAME, value: bool = False, with_check: bool = False,
         sizes: Mapping[str, int] | None = None, order: Sequence[str] | None = None) -> Emitted:
    """The module computing the derivative `derived` of `f` (proved by `derivation`).

    Parameters are the declared names `f` uses, and the variable, in the order of
    `order` (default: the declarations'); `sizes` are the dimension values the products
    are associated for (others: `arrange.DEFAULT_SIZE`)."""
    sizes = check_options(backend, name, sizes, env)
    if derivation.outcome != "proved":
        raise RewriteError(f"the {WHAT[kind]} is not proved ({derivation.outcome}): nothing to emit")
    variable = x.args[0].name if isinstance(x, S.Call) else x.name  # type: ignore[attr-defined]
    used = S.free_names(f) | {variable}
    names = [n for n in (order or list(env)) if n in used]
    params = codegen.params_of(names, env, taken={name})
    _, shape = elaborate(S.Call(kind, (f, x)), env)
    steps = [_rearrange(checker, env, "rearranged", derived, shape, sizes)]
    if value or with_check:
        steps.insert(0, _rearrange(checker, env, "value", f, elaborate(f, env)[1], sizes))
    roots = [s.arranged if s.proved else s.original for s in steps]
    free = codegen.free_sizes(roots, params)
    size_parameters = codegen.spell(free, taken={name, *(p.spelled for p in params)})
    lines: list[str] = [_docstring(f, x, kind, derivation, steps, params, env, sizes, value, size_parameters)]
    imports = list(codegen.BACKENDS[backend].imports)
    if with_check and "import numpy as np" not in imports:
        imports.insert(0, "import numpy as np  # check_grad draws its inputs with numpy")
    lines.append("\n".join(imports))
    be = codegen.BACKENDS[backend]
    fallback = [s for s in steps if not s.proved]
    main_roots = roots if value else roots[-1:]
    body = codegen.lower(main_roots, params, env, be, size_parameters)
    helpers = set(body.helpers)
    functions = [_function(name, params, body, be, fallback, size_parameters)]
    if with_check:
        keywords = "".join(f", {sp}=dims[{atom!r}]" for atom, sp in size_parameters.items())
        if value:
            value_call = f"{name}(*args{keywords})[0]"
            deriv_call = f"{name}(*args{keywords})[1]"
        else:
            vbody = codegen.lower(roots[:1], params, env, be, size_parameters)
            helpers |= vbody.helpers
            functions.append(_function("_value", params, vbody, be, [], size_parameters,
                                       doc="The value of the differentiated expression (for check_grad)."))
            value_call, deriv_call = f"_value(*args{keywords})", f"{name}(*args{keywords})"
        functions.append(_check(f, kind, variable, params, env, value_call, deriv_call, be, free))
    if "lu" in helpers and be.lu:
        lines[-1] += f"\nimport {be.lu}"
    helper_text = [text for h, text in be.helpers if h in helpers]
    source = "\n\n".join(lines) + "\n\n\n" + "\n\n".join(helper_text + functions)
    return Emitted(source.rstrip("\n") + "\n", backend, name, derivation, steps, size_parameters)


def _rearrange(checker: Checker, env: Env, label: str, original: S.Expr, shape: Shape,
               sizes: Mapping[str, int]) -> Rearrangement:
    """`original` (of shape `shape`: a derived form leaves the sizes of `I` and `ones` to
    the context) arranged for `sizes`, with the checker's proof that the two are equal;
    nothing to prove when the arrangement changes nothing."""
    elaborated, _ = elaborate(original, env, expected=shape)
    arranger = Arranger(env, sizes)
    arranged = arranger.arrange(elaborated)
    if arranger.cost(arranged) >= arranger.cost(elaborated):
        arranged = elaborated
    if arranged == elaborated:
        return Rearrangement(label, elaborated, elaborated, None)
    stmt = doc.Statement("claim", label, original, arranged)
    result = checker.check_statement(stmt, env)
    return Rearrangement(label, elaborated, arranged, result)


def _docstring(f: S.Expr, x: S.Expr, kind: str, derivation: Result, steps: list[Rearrangement], params: list[codegen.Param],
               env: Env, sizes: Mapping[str, int], value: bool, size_parameters: dict[str, str]) -> str:
    what = WHAT[kind]
    statement = derivation.certificate["display"]["statement"] if derivation.certificate else "?"
    lines = [f'"""The {what} of {show(f)} with respect to {show(x)}, generated by rewrite.', ""]
    lines.append(f"Proved:   {statement}   (kernel-checked, {derivation.steps} steps)")
    for s in steps:
        if s.label == "value" and not value:
            continue
        head = "Value:    " if s.label == "value" else "Computed: "
        if s.result is None:
            lines.append(f"{head}{show(s.arranged)}   (as {'written' if s.label == 'value' else 'derived'})")
        elif s.proved:
            lines.append(f"{head}{show(s.arranged)}   (proved equal, {s.result.steps} "
                         f"step{'' if s.result.steps == 1 else 's'})")
        else:
            lines.append(f"{head}{show(s.original)}   (as {'written' if s.label == 'value' else 'derived'}: "
                         "the rearranged form was not proved equal)")
    dims = sorted({a for p in params for sz in (p.shape.rows, p.shape.cols) for a in sz.atoms})
    if dims:
        at = ", ".join(f"{d}={sizes.get(d, DEFAULT_SIZE)}" for d in dims)
        lines.append(f"Products associated for the sizes {at}.")
    lines.append("")
    described = ", ".join(f"{p.spelled} {_interface(p.shape)}" for p in params)
    lines.append(f"Parameters: {described}.")
    if size_parameters:
        lines.append(f"Keyword parameters: {', '.join(size_parameters.values())}, the sizes "
                     f"{', '.join(size_parameters)} (no array's shape carries them).")
    out = _interface(_result_shape(kind, x, env))
    if value:
        lines.append(f"Returns (value, {what}): a scalar{' or 1-D array' if kind == 'jac' else ''} and {out}.")
    else:
        lines.append(f"Returns the {what}, {out}.")
    lines.append("Vectors are 1-D arrays, 1×1 values scalars, matrices 2-D.")
    lines.append('"""')
    return "\n".join(lines)


def _result_shape(kind: str, x: S.Expr, env: Env) -> Shape | None:
    variable = x.args[0].name if isinstance(x, S.Call) else x.name  # type: ignore[attr-defined]
    s = env[variable].shape
    if kind == "grad":
        return s
    if kind == "hess":
        return Shape(s.rows, s.rows)
    return None  # a Jacobian's rows are the value's; described generically


def _interface(shape) -> str:
    if shape is None:
        return "a 2-D array (a 1-D array for a scalar or single-entry side)"
    k = codegen.kind_of(shape)
    if k == "scalar":
        return "(a scalar)"
    if k == "col":
        return f"({_size_text(shape.rows)},)"
    if k == "row":
        return f"({_size_text(shape.cols)},)"
    return f"({_size_text(shape.rows)}, {_size_text(shape.cols)})"


def _size_text(s: Size) -> str:
    text = str(s)
    return text[1:-1] if text.startswith("(") else text


def _function(name: str, params: list[codegen.Param], body: codegen.Body, be: codegen.Backend,
              fallback: list[Rearrangement], size_parameters: dict[str, str], doc: str | None = None) -> str:
    names = [p.spelled for p in params] + (["*"] + list(size_parameters.values()) if size_parameters else [])
    out = [f"def {name}({', '.join(names)}):"]
    if doc:
        out.append(f'    """{doc}"""')
    for s in fallback:
        out.append(f"    # The {'value' if s.label == 'value' else 'derived form'} is computed as it is: "
                   "its rearrangement for speed")
        out.append(f"    # ({show(s.arranged)}) was not proved equal to it.")
    if be.name == "torch":
        arrays = [p for p in params if p.kind != "scalar"]
        out.append(f"    _dtype = {arrays[0].spelled + '.dtype' if arrays else 'torch.get_default_dtype()'}")
        for p in params:
            if p.kind == "scalar":
                out.append(f"    {p.spelled} = torch.as_tensor({p.spelled}, dtype=_dtype)")
    out += [f"    {line}" for line in body.lines]
    out.append(f"    return {', '.join(body.results)}")
    return "\n".join(out) + "\n"


POSITIVE_FUNCTIONS = frozenset({"log", "sqrt", "logdet"})


def _check(f: S.Expr, kind: str, variable: str, params: list[codegen.Param], env: Env, value_call: str,
           deriv_call: str, be: codegen.Backend, free: list[str]) -> str:
    """`check_grad`: central differences of the value at random inputs of the declared
    shapes, against the derivative along the same direction."""
    positive = any((isinstance(t, S.Call) and t.fn in POSITIVE_FUNCTIONS)
                   or (isinstance(t, S.Power) and t.exponent.denominator != 1) for _, t in S.subterms(f))
    dims = sorted({a for p in params for s in (p.shape.rows, p.shape.cols) for a in s.atoms} | set(free))
    table = ",\n".join(
        f"    ({p.spelled!r}, {_size_spec(p.shape.rows)}, {_size_spec(p.shape.cols)}, {p.kind!r}, "
        f"{tuple(sorted(p.props))!r})" for p in params)
    wrt = next(p for p in params if p.name == variable)
    convert = be.asarray.format("a")
    return f'''_PARAMETERS = (  # name, rows, cols (coefficient, dimension names), kind, properties
{table},
)
_DIMENSIONS = {tuple(dims)!r}


def _size(spec, dims):
    coefficient, names = spec
    for n in names:
        coefficient *= dims[n]
    return coefficient


def _draw(rows, cols, props, positive, rng):
    if "orthogonal" in props:
        q, r = np.linalg.qr(rng.standard_normal((rows, rows)))
        return q * np.sign(np.diag(r))
    a = rng.uniform(0.5, 2.0, (rows, cols)) if positive else rng.standard_normal((rows, cols))
    if "diagonal" in props:
        a = np.diag(np.diag(a))
    if rows == cols and rows > 1:
        if "symmetric" in props or "spd" in props:
            a = (a + a.T) / 2
        a = a + 2 * rows * np.eye(rows)  # well conditioned, positive determinant
    return a


def _direction(x, props, rng):
    v = rng.standard_normal(x.shape)
    if "orthogonal" in props:
        return x @ ((v - v.T) / 2)
    if "diagonal" in props:
        return np.diag(np.diag(v))
    if "symmetric" in props or "spd" in props:
        return (v + v.T) / 2
    return v


def _interface(a, kind):
    if kind == "scalar":
        return float(a[0, 0])
    a = a[:, 0] if kind == "col" else a[0, :] if kind == "row" else a
    return {convert}


def check_grad(seed=0, sizes=None, draws=3):
    """The largest relative difference (absolute below 1), over `draws` random inputs
    of the declared shapes, between the derivative and central differences of the
    value along a random direction: about 1e-7 or below when they agree in float64.
    `sizes` maps dimension names to values (default 2, 3, 4, ... in the order of
    _DIMENSIONS); `seed` seeds numpy's generator."""
    rng = np.random.default_rng(seed)
    dims = dict(zip(_DIMENSIONS, range(2, 2 + len(_DIMENSIONS))))
    dims.update(sizes or {{}})
    worst = 0.0
    for _ in range(draws):
        raw = [_draw(_size(r, dims), _size(c, dims), props, {positive!r}, rng)
               for _, r, c, _, props in _PARAMETERS]
        at = {params.index(wrt)}
        v = _direction(raw[at], _PARAMETERS[at][4], rng)

        def value(t):
            moved = [x + t * v if i == at else x for i, x in enumerate(raw)]
            args = [_interface(x, p[3]) for x, p in zip(moved, _PARAMETERS)]
            return np.asarray({value_call}, dtype=float)

        args = [_interface(x, p[3]) for x, p in zip(raw, _PARAMETERS)]
        derivative = np.asarray({deriv_call}, dtype=float)
{_check_kind(kind)}
        scale = max(1.0, float(np.max(np.abs(exact))), float(np.max(np.abs(numeric))))
        worst = max(worst, float(np.max(np.abs(exact - numeric))) / scale)
    return worst
'''


def _size_spec(s: Size) -> str:
    return repr((s.coeff, tuple(s.atoms)))


def _check_kind(kind: str) -> str:
    if kind == "grad":
        return ("        h = 1e-5\n"
                "        numeric = (value(h) - value(-h)) / (2 * h)\n"
                "        exact = np.sum(derivative.reshape(v.shape) * v)")
    if kind == "jac":
        return ("        h = 1e-5\n"
                "        numeric = ((value(h) - value(-h)) / (2 * h)).reshape(-1)\n"
                "        direction = v.T.reshape(-1)  # vec(V), column by column\n"
                "        exact = derivative.reshape(numeric.size, direction.size) @ direction")
    return ("        h = 1e-4\n"
            "        numeric = (value(h) - 2 * value(0.0) + value(-h)) / (h * h)\n"
            "        direction = v.reshape(-1)\n"
            "        exact = direction @ derivative.reshape(direction.size, direction.size) @ direction")
