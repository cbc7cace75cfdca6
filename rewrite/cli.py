"""The command line: `rewrite check`, `prove`, `simplify`, `grad` (with `--emit`, code), `verify`.

Exit status: 0 when everything asked for holds, 1 when something fails (a file that
cannot be read or parsed is a failing result), 2 for usage errors: bad arguments, or an
expression given on the command line that does not parse or shape-check. Output is one line per statement, the last line
`N passed, M failed`; `--json` prints one JSON object per statement instead.
Imports: `certificate`, `budget`, `errors`, and on the paths that need them (so that
`verify` loads neither lark, numpy nor egglog) `check`, `compiled`, `document`, `emit`,
`kernel`, `parse`, `printing`, `render`, `result`, `shapes`, `syntax`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from . import certificate
from .budget import DEFAULT_SECONDS, Budget
from .errors import RewriteError

if TYPE_CHECKING:
    from .check import Checker
    from .result import Result

MARK = {True: "✓", False: "✗"}


def _checker(args: argparse.Namespace) -> Checker:
    """Imported here: the search loads egglog, and `verify` must run without it."""
    from .check import Checker, Settings

    return Checker(Settings(seed=args.seed, budget=Budget(seconds=args.timeout)))


def _line(r: Result, label: str) -> str:
    detail = f"{r.steps} step{'' if r.steps == 1 else 's'}, " if r.steps is not None else ""
    head = f"{MARK[r.passed]} {r.outcome:<8} {label}   ({detail}{r.seconds * 1000:.0f} ms)"
    if r.outcome == "proved" and r.assumptions:
        head += "\n    assuming " + ", ".join(r.assumptions)
    if r.message and (not r.passed or r.outcome == "false"):
        indent = "    "
        head += "\n" + "\n".join(indent + line for line in r.message.splitlines())
    return head


def _report(results: list[tuple[Result, str]], as_json: bool) -> int:
    failed = 0
    for r, label in results:
        failed += not r.passed
        print(json.dumps(r.to_json(), ensure_ascii=False) if as_json else _line(r, label), flush=True)
    if not as_json:
        print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


def cmd_check(args: argparse.Namespace) -> int:
    from .check import Settings, check_paths, expand_paths

    paths = expand_paths(args.paths)
    if not paths:
        print("rewrite check: no .proof files found", file=sys.stderr)
        return 2
    settings = Settings(seed=args.seed, budget=Budget(seconds=args.timeout))
    failed = total = 0
    # each file's lines as soon as it is done, in the order of the files whatever the workers do
    for path, results in check_paths(paths, settings, jobs=args.jobs):
        for r in results:
            total += 1
            failed += not r.passed
            label = f"{path}::{r.name}" if r.name != "<file>" else str(path)
            print(json.dumps(r.to_json(), ensure_ascii=False) if args.json else _line(r, label), flush=True)
            if args.certificates and r.certificate:
                certificate.write(r.certificate, args.certificates, Path(path).stem)
    if not args.json:
        print(f"{total - failed} passed, {failed} failed")
    return 1 if failed else 0


def _jobs(text: str) -> int:
    """`--jobs N`; 0 or `auto`: every core this process may use."""
    if text.strip().lower() in ("0", "auto"):
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on Linux
            return max(1, os.cpu_count() or 1)
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a number of processes or 'auto', got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--jobs takes a number of processes (0: all cores), got {value}")
    return value


def _declared(lets: Sequence[str]):
    from .parse import parse_decl
    from .shapes import env_from_decls

    return env_from_decls([parse_decl(t) for t in lets], file="--let")


def cmd_prove(args: argparse.Namespace) -> int:
    from . import document as doc
    from .parse import parse_expr
    from .shapes import elaborate_statement

    env = _declared(args.let)
    lhs, rhs = parse_expr(args.lhs, file="<lhs>"), parse_expr(args.rhs, file="<rhs>")
    stmt = doc.Statement("claim", "goal", lhs, rhs)
    elaborate_statement(stmt, env)  # a usage error (exit 2) before any search
    r = _checker(args).check_statement(stmt, env)
    r.file = "<command line>"
    if args.certificate and r.certificate:
        Path(args.certificate).write_text(json.dumps(r.certificate, ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")
    return _report([(r, "goal")], args.json)


def cmd_simplify(args: argparse.Namespace) -> int:
    from .parse import parse_expr
    from .printing import show

    env = _declared(args.let)
    e = parse_expr(args.expr, file="<expr>")
    simpler, r = _checker(args).simplify(e, env)
    if args.json:
        print(json.dumps({**r.to_json(), "result": show(simpler)}, ensure_ascii=False))
    else:
        print(show(simpler))
        print(_line(r, "simplify"), file=sys.stderr)
    return 0 if r.passed else 1


def cmd_grad(args: argparse.Namespace) -> int:
    from . import syntax as S
    from .parse import parse_expr
    from .printing import show

    emitting = [o for o, on in (("--name", args.name is not None), ("--value", args.value),
                                ("--with-check", args.with_check), ("--sizes", args.sizes is not None)) if on]
    if emitting and not args.emit:
        print(f"rewrite grad: {', '.join(emitting)} needs --emit", file=sys.stderr)
        return 2
    env = _declared(args.let)
    f = parse_expr(args.expr, file="<expr>")
    wrt = parse_expr(args.wrt, file="--wrt")
    kind = "hess" if args.hessian else "jac" if args.jacobian else "differential" if args.differential else "grad"
    if args.differential and (args.hessian or args.jacobian or args.emit):
        print("rewrite grad: --differential goes with neither --jacobian, --hessian nor --emit", file=sys.stderr)
        return 2
    if not S._is_variable(wrt, kind):
        print(f"rewrite grad: --wrt must name a declared variable{' (or vec(X))' if kind == 'jac' else ''}",
              file=sys.stderr)
        return 2
    if args.emit:
        from .emit import check_options, parse_sizes

        # usage errors (exit 2) before any search
        sizes = check_options(args.emit, args.name or "grad", parse_sizes(args.sizes or ""), env)
    checker = _checker(args)
    found, r = checker.derive(f, wrt, env, kind)
    if args.emit and found is not None and r.passed:
        from .emit import emit

        order = [n for text in args.let for n in _declared([text])]
        out = emit(checker, f, wrt, kind, env, found, r, backend=args.emit, name=args.name or "grad",
                   value=args.value, with_check=args.with_check, sizes=sizes, order=order)
        print(out.source, end="")
        if args.certificate:
            out.write_certificates(args.certificate)
        for step in out.steps:
            if not step.proved:
                print(f"rewrite grad: the rearranged {'value' if step.label == 'value' else 'form'} was not proved "
                      "equal; the module computes it as it is", file=sys.stderr)
        print(_line(r, kind), file=sys.stderr)
        return 0
    if args.certificate and r.certificate:
        Path(args.certificate).write_text(json.dumps(r.certificate, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps({**r.to_json(), "result": show(found) if found is not None else None}, ensure_ascii=False))
    else:
        print(show(found) if found is not None else "(not found)")
        print(_line(r, kind), file=sys.stderr)
    return 0 if r.passed else 1


def cmd_verify(args: argparse.Namespace) -> int:
    """Replays certificates with the kernel alone: no search, no egglog, no numbers, no
    parser. Prints what each verified certificate proves, as the kernel read it."""
    from . import kernel
    from .compiled import trusted

    rules = trusted(args.rules)
    failed = 0
    for path in args.certs:
        try:
            theorem = kernel.check_certificate(certificate.read(path), rules)
            print(f"✓ verified {path}   ({theorem.steps} steps)")
            print(_indented(_theorem(theorem)))
        except (kernel.CheckError, OSError, UnicodeDecodeError) as e:
            failed += 1
            print(f"✗ rejected {path}\n    {e}")
    print(f"{len(args.certs) - failed} passed, {failed} failed")
    return 1 if failed else 0


def _theorem(theorem) -> str:
    """What a theorem says, in the user's notation, and every name that is not plain
    ASCII spelled out (a Greek `Α` and a Latin `A` look alike)."""
    import unicodedata

    from .printing import show

    lines = [f"{show(theorem.lhs)} = {show(theorem.rhs)}"]
    for name, info in theorem.env.items():
        sizes = {"Mat": f"({info.shape.rows}, {info.shape.cols})", "Vec": f"({info.shape.rows})", "Scalar": ""}
        props = "".join(" " + p for p in sorted(info.props))
        lines.append(f"  let {name} : {info.kind}{sizes[info.kind]}{props}")
    lines += [f"  assuming {show(t)} {word}" for word, t in theorem.hypotheses]
    odd = sorted({ch for name in theorem.env for ch in name if not ch.isascii()})
    lines += [f"  note: {ch!r} in a name is U+{ord(ch):04X} {unicodedata.name(ch, '?')}" for ch in odd]
    return "\n".join(lines)


def _indented(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def cmd_explain(args: argparse.Namespace) -> int:
    """Prints the derivation of one claim (`FILE::NAME`, proved first) or of a certificate."""
    from .parse import parse_file
    from .render import explain
    from .shapes import env_from_decls

    try:
        if args.target.endswith(".json"):
            from .kernel import read_json

            cert = read_json(certificate.read(args.target))
            if not isinstance(cert, dict):
                raise ValueError("a certificate is a JSON object")
        else:
            path, sep, name = args.target.rpartition("::")
            if not sep:
                print("rewrite explain: expected FILE::NAME or a certificate (.json)", file=sys.stderr)
                return 2
            pf = parse_file(path)
            stmt = next((s for s in pf.statements if s.name == name), None)
            if stmt is None:
                print(f"rewrite explain: {path} has no statement '{name}'", file=sys.stderr)
                return 2
            r = _checker(args).check_statement(stmt, env_from_decls(pf.decls, file=path), pf)
            if r.certificate is None:
                print(f"rewrite explain: no derivation, the statement is not proved\n{_line(r, args.target)}",
                      file=sys.stderr)
                return 1
            cert = r.certificate
        text = explain(cert, args.format)
    except (OSError, ValueError, RewriteError) as e:
        print(f"rewrite explain: {e}", file=sys.stderr)
        return 2
    print(text)
    return 0


def _seed(text: str) -> int:
    value = int(text)
    if not 0 <= value < 2**32 - 64:
        raise argparse.ArgumentTypeError(f"a seed is an integer from 0 to {2**32 - 65}, got {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rewrite", description="A proof checker for matrix calculus.")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--json", action="store_true", help="one JSON object per statement")
        sp.add_argument("--seed", type=_seed, default=0, help="seed of the numeric draws (0 to 2³²-1)")
        sp.add_argument("--timeout", type=float, default=DEFAULT_SECONDS, help="search time limit per statement, seconds")

    c = sub.add_parser("check", help="check proof files (folders are searched for *.proof)")
    c.add_argument("paths", nargs="+")
    c.add_argument("--certificates", metavar="DIR", help="write one certificate per proved claim")
    c.add_argument("--jobs", "-j", type=_jobs, default=1, metavar="N",
                   help="check statements in N worker processes (0 or auto: one per core; default 1)")
    common(c)
    c.set_defaults(run=cmd_check)

    pr = sub.add_parser("prove", help='prove "LHS" = "RHS"')
    pr.add_argument("lhs")
    pr.add_argument("rhs")
    pr.add_argument("--let", action="append", default=[], metavar="DECL", help='e.g. --let "A: Mat(m, n)"')
    pr.add_argument("--certificate", metavar="FILE", help="write the certificate here")
    common(pr)
    pr.set_defaults(run=cmd_prove)

    s = sub.add_parser("simplify", help="a simpler equal expression, certified")
    s.add_argument("expr")
    s.add_argument("--let", action="append", default=[], metavar="DECL")
    common(s)
    s.set_defaults(run=cmd_simplify)

    g = sub.add_parser("grad", help="the gradient (or Jacobian, Hessian) of an expression, certified")
    g.add_argument("expr")
    g.add_argument("--wrt", required=True, metavar="X", help="the variable (for --jacobian also vec(X))")
    g.add_argument("--jacobian", action="store_true", help="the Jacobian jac(y, x) instead")
    g.add_argument("--hessian", action="store_true", help="the Hessian hess(f, x) instead")
    g.add_argument("--differential", action="store_true",
                   help="d(f) in terms of d(X) instead (every other name constant)")
    g.add_argument("--let", action="append", default=[], metavar="DECL")
    g.add_argument("--certificate", metavar="FILE", help="write the certificate here (with --emit, the "
                   "rearrangement's beside it: FILE's stem + .rearranged)")
    g.add_argument("--emit", choices=("numpy", "jax", "torch"), help="print a Python module computing the result")
    g.add_argument("--name", metavar="NAME", help="the emitted function's name (default: grad)")
    g.add_argument("--value", action="store_true", help="the emitted function returns (value, derivative)")
    g.add_argument("--with-check", action="store_true", help="the emitted module has check_grad() "
                   "(central differences at random inputs)")
    g.add_argument("--sizes", metavar="m=1000,n=50", help="the sizes products are associated for "
                   "(default: every size 1000)")
    common(g)
    g.set_defaults(run=cmd_grad)

    v = sub.add_parser("verify", help="replay certificates with the kernel alone")
    v.add_argument("certs", nargs="+")
    v.add_argument("--rules", metavar="DIR", help="the trusted rule files (default: the project's rules/)")
    v.set_defaults(run=cmd_verify)

    e = sub.add_parser("explain", help="the derivation of a proved claim, one line per step")
    e.add_argument("target", metavar="FILE::NAME", help="a statement of a proof file, or a certificate (.json)")
    e.add_argument("--format", choices=("text", "markdown", "latex"), default="text")
    e.add_argument("--seed", type=_seed, default=0, help="seed of the numeric draws (0 to 2³²-1)")
    e.add_argument("--timeout", type=float, default=DEFAULT_SECONDS, help="search time limit, seconds")
    e.set_defaults(run=cmd_explain)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))  # deep trees, walked recursively
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # argparse has printed the usage
        return int(e.code or 0)
    try:
        return args.run(args)
    except RewriteError as e:
        print(f"rewrite: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `rewrite check ... | head`: stop quietly
        sys.stderr.close()
        return 1


if __name__ == "__main__":
    sys.exit(main())
