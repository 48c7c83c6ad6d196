"""KS108: an `__init__` that does not call its parent's `__init__` on every path.

Keras's `Layer.__init__` sets what every other method checks for
(`_check_super_called`): without it, calling the layer, `build()`, `add_weight()`
and `get_config()` raise RuntimeError. A class that overrides `__call__` (keras-cv's
`Augmenter`) works until it is saved. Paths that raise make no layer, so they need
no call; `return super().__init__(...)` is a call.
"""

import ast
from collections.abc import Iterator

from keras_scaffold.check.finder import KerasClass, Module
from keras_scaffold.check.rules.common import Hit, self_attr

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def super_init(module: Module, cls: KerasClass) -> Iterator[Hit]:
    init = cls.methods.get("__init__")
    if init is None:
        return
    skipped = skipped_at(cls)
    if skipped is None:
        return
    if skipped is init:
        what = "never calls `super().__init__()`"
    else:
        what = f"returns at line {skipped.lineno} without calling `super().__init__()`"
    yield Hit(
        init,
        "KS108",
        f"`{cls.name}.__init__` {what}: Keras's `Layer.__init__` does not run, so "
        "calling the layer, `build()`, `add_weight()` and `get_config()` (and with "
        'it `model.save`) raise RuntimeError ("you forgot to call '
        '`super().__init__()`")',
        cls.node,
    )


def skipped_at(cls: KerasClass) -> ast.AST | None:
    """Where the class's own `__init__` ends without calling the parent's: the
    `return`, or the function (it falls off its end); None where every path
    calls it (or raises). Kept per class: KS103 and KS107 ask too."""
    if "skipped_init" in cls.memo:
        return cls.memo["skipped_init"]
    init = cls.methods.get("__init__")
    found = None
    if init is not None:
        found = _skipped(init, set())
        if found is not None:  # unless a helper method makes the call
            found = _skipped(init, _helpers_that_call(cls))
    cls.memo["skipped_init"] = found
    return found


def _skipped(init: ast.FunctionDef, helpers: set[str]) -> ast.AST | None:
    ended, called, through = _scan(init.body, False, helpers)
    if ended is not None:
        return ended
    return init if through and not called else None


def _helpers_that_call(cls: KerasClass) -> set[str]:
    """Methods of the class (not `__init__`) that call the parent's
    `__init__` themselves, for an `__init__` that hands the work to one."""
    return {
        name
        for name, method in cls.methods.items()
        if name != "__init__" and _calls_init(method, set())
    }


def _scan(
    body: list[ast.stmt], called: bool, helpers: set[str]
) -> tuple[ast.AST | None, bool, bool]:
    """(the `return` reached without the call, or None; whether the call was
    made on every path that reaches the end; whether any path reaches it)."""
    for statement in body:
        if called:
            return None, True, True
        if isinstance(statement, _SCOPES):
            continue  # a function defined here runs later, if at all
        if isinstance(statement, ast.Raise):
            return None, True, False  # no layer is made on this path
        if isinstance(statement, ast.Return):
            made = _calls_init(statement, helpers)
            return (None if made else statement), True, False
        if isinstance(statement, ast.If | ast.Try | ast.TryStar | ast.Match):
            branches = _branches(statement)
            results = [_scan(branch, called, helpers) for branch in branches]
            for ended, _, _ in results:
                if ended is not None:
                    return ended, False, False
            going = [done for _, done, through in results if through]
            if not going:
                return None, True, False
            called = all(going)
            continue
        if isinstance(statement, ast.For | ast.AsyncFor | ast.While):
            # The body may not run at all: a call there does not count, a
            # `return` there without one does.
            ended, _, _ = _scan(statement.body, called, helpers)
            if ended is not None:
                return ended, False, False
            continue
        if isinstance(statement, ast.With | ast.AsyncWith):
            ended, called, through = _scan(statement.body, called, helpers)
            if ended is not None or not through:
                return ended, called, through
            continue
        if _calls_init(statement, helpers):
            called = True
    return None, called, True


def _branches(statement: ast.stmt) -> list[list[ast.stmt]]:
    """The blocks one of which runs: an `if`'s two, a `match`'s cases (and no
    case), a `try` body followed by each handler or by its `else`."""
    if isinstance(statement, ast.If):
        return [statement.body, statement.orelse]
    if isinstance(statement, ast.Match):
        return [case.body for case in statement.cases] + [[]]
    tail = statement.finalbody
    return [statement.body + statement.orelse + tail] + [
        handler.body + tail for handler in statement.handlers
    ]


def _calls_init(node: ast.AST, helpers: set[str]) -> bool:
    """`node` calls the parent's `__init__` (`super().__init__(...)`,
    `Base.__init__(self, ...)`) or a helper method that does, outside nested
    functions and classes."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Call):
            func = current.func
            if isinstance(func, ast.Attribute) and func.attr == "__init__":
                value = func.value
                if isinstance(value, ast.Call) and getattr(value.func, "id", "") == (
                    "super"
                ):
                    return True
                first = current.args[0] if current.args else None
                if isinstance(first, ast.Name) and first.id == "self":
                    return True
            if self_attr(func) in helpers:
                return True
        stack.extend(
            child
            for child in ast.iter_child_nodes(current)
            if not isinstance(child, _SCOPES) or child is node
        )
    return False
