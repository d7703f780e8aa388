"""Structured outputs and tool calls: a JSON schema in, a grammar the model must follow out.

llama.cpp (through LLGuidance) constrains every sampled token to a grammar built from a
JSON schema, so even the tiny model writes JSON that always parses and matches it. The
same grammar carries tool calls: the model answers with ``{"tool_calls": [...]}``, each
call's ``arguments`` constrained by that function's parameter schema.

Strict schemas are checked first with the platform's rules (an object at the root,
``additionalProperties: false`` and every property required in each object, no
unsupported keywords), and refused with its 400 when they break one. Any schema, strict or
not, that uses a keyword the grammar cannot enforce is refused up front (the runtime would
silently generate unconstrained), and every output is checked against its schema afterwards.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import secrets

from .wire import APIError

# Keywords the platform refuses in a strict schema.
UNSUPPORTED = ("allOf", "oneOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas",
               "patternProperties", "unevaluatedProperties", "propertyNames", "contains",
               "minProperties", "maxProperties")
MAX_DEPTH = 10
NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
# Bounds the sandbox adds where a schema sets none, so the tiny model cannot loop inside a
# string or an array until its token limit; the output still matches the schema.
MAX_STRING, MAX_ITEMS, MAX_PARALLEL_CALLS = 60, 4, 3
# Keywords that constrain a value but that the sandbox neither compiles into its grammar nor checks
# afterwards: a schema using one is refused instead of answered unconstrained. Other unknown
# keywords are annotations (title, description, examples…), ignored as JSON Schema says.
UNENFORCEABLE = ("allOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas", "dependencies",
                 "patternProperties", "unevaluatedProperties", "unevaluatedItems", "propertyNames", "contains",
                 "minContains", "maxContains", "minProperties", "maxProperties", "prefixItems", "additionalItems",
                 "uniqueItems", "multipleOf", "$dynamicRef", "$recursiveRef")
_LOCAL_REF = re.compile(r"^#(/(\$defs|definitions)/[^/]+)?$")
log = logging.getLogger("chatkit.sandbox")


def check_name(name: str, param: str) -> None:
    if not NAME.match(name or ""):
        raise APIError(400, f"Invalid '{param}': string does not match pattern. Expected a string that matches "
                       f"the pattern '^[a-zA-Z0-9_-]+$' (at most 64 characters).", param=param,
                       code="invalid_value")


# The keywords the sandbox reads in any schema, and the JSON types JSON Schema's meta-schema allows for each.
SCHEMA = (dict, bool)
SHAPES = {"properties": (dict,), "$defs": (dict,), "definitions": (dict,), "required": (list,), "enum": (list,),
          "anyOf": (list,), "oneOf": (list,), "type": (str, list), "$ref": (str,), "pattern": (str,),
          "items": SCHEMA, "additionalProperties": SCHEMA, "minLength": (int,), "maxLength": (int,),
          "minItems": (int,), "maxItems": (int,), "minimum": (int, float), "maximum": (int, float),
          "exclusiveMinimum": (int, float), "exclusiveMaximum": (int, float)}
JSON_TYPE = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer", float: "number"}


def check_shape(schema: object, label: str, param: str) -> None:
    """Refuse a schema whose keywords have the wrong JSON type (``"required": 5``) before anything reads them."""
    def fail(context: tuple, value: object, kinds: tuple, why: str = "What each keyword takes") -> None:
        expected = ", ".join(f"'{JSON_TYPE[kind]}'" for kind in kinds)
        raise APIError(400, f"Invalid schema for {label}: In context={context!r}, {json.dumps(value)[:40]} is not "
                       f"of type {expected}. {why}: https://json-schema.org/understanding-json-schema/reference",
                       param=param)

    def walk(node: object, context: tuple) -> None:
        if not isinstance(node, SCHEMA):
            fail(context, node, SCHEMA, "A schema is an object or a boolean")
        if isinstance(node, bool):
            return
        for word, kinds in SHAPES.items():
            if word in node and not isinstance(node[word], kinds):
                fail(context + (word,), node[word], kinds)
        if "pattern" in node:
            try:
                re.compile(node["pattern"])
            except re.error as error:
                raise APIError(400, f"Invalid schema for {label}: In context={context + ('pattern',)!r}, "
                               f"{node['pattern'][:40]!r} is not a valid regular expression: {error}.",
                               param=param) from None
        for word in ("properties", "$defs", "definitions"):
            for name, sub in node.get(word, {}).items():
                walk(sub, context + (word, name))
        for word in ("anyOf", "oneOf"):
            for i, sub in enumerate(node.get(word, [])):
                walk(sub, context + (word, str(i)))
        for word in ("items", "additionalProperties"):
            if word in node:
                walk(node[word], context + (word,))

    walk(schema, ())


def check_strict(schema: object, label: str, param: str) -> None:
    """Refuse a strict schema the platform would refuse; ``label`` like "response_format 'Person'"."""
    def fail(context: tuple, why: str):
        raise APIError(400, f"Invalid schema for {label}: In context={context!r}, {why}", param=param)

    if not isinstance(schema, dict) or schema.get("type") != "object":
        fail((), "schema must be a JSON Schema of 'type: \"object\"', got 'type: "
             f"\"{schema.get('type') if isinstance(schema, dict) else type(schema).__name__}\"'.")

    def walk(node: object, context: tuple) -> None:
        if len(context) > 2 * MAX_DEPTH:
            fail(context, f"the schema is nested more than {MAX_DEPTH} levels deep.")
        if isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, context + (str(i),))
            return
        if not isinstance(node, dict):
            return
        for word in UNSUPPORTED:
            if word in node:
                fail(context, f"'{word}' is not permitted.")
        if node.get("type") == "object" or "properties" in node:
            props = node.get("properties", {})
            if node.get("additionalProperties", True) is not False:
                fail(context, "'additionalProperties' is required to be supplied and to be false.")
            missing = [key for key in props if key not in node.get("required", [])]
            if missing:
                fail(context, "'required' is required to be supplied and to be an array including every key "
                     f"in properties. Missing '{missing[0]}'.")
        for key, value in node.items():
            if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
                for name, sub in value.items():
                    walk(sub, context + (key, name))
            elif key in ("items", "anyOf"):
                walk(value, context + (key,))

    walk(schema, ())


def check_enforceable(schema: object, label: str, param: str) -> None:
    """Refuse a schema with a keyword the sandbox cannot enforce, naming it (400 ``unsupported_schema``)."""
    defs = {f"#/{key}/{name}" for key in ("$defs", "definitions")
            for name in (schema.get(key) or {} if isinstance(schema, dict) else {})}

    def fail(context: tuple, feature: str, why: str):
        raise APIError(400, f"Invalid schema for {label}: In context={context!r}, the sandbox cannot enforce "
                       f"'{feature}': {why} Remove it from the schema, or run with a real key.", param=param,
                       code="unsupported_schema")

    def walk(node: object, context: tuple) -> None:
        if not isinstance(node, dict):
            return
        for word in UNENFORCEABLE:
            if word in node:
                fail(context, word, "its grammar engine does not support this keyword.")
        ref = node.get("$ref")
        if ref is not None and not (_LOCAL_REF.match(ref) and (ref == "#" or ref in defs)):
            fail(context, "$ref", f"{ref!r} is not '#' or a definition under '$defs' at the schema's root.")
        if isinstance(node.get("items"), list):
            fail(context, "items", "an array of schemas (tuple validation) is not supported.")
        for word in ("properties", "$defs", "definitions"):
            for name, sub in (node.get(word) or {}).items():
                walk(sub, context + (word, name))
        for word in ("anyOf", "oneOf"):
            for i, sub in enumerate(node.get(word) or []):
                walk(sub, context + (word, str(i)))
        for word in ("items", "additionalProperties"):
            walk(node.get(word), context + (word,))

    walk(schema, ())


# Keywords that describe a value without constraining it (JSON Schema's annotations).
ANNOTATIONS = ("title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "$comment")


def inlined(schema: object) -> object:
    """A copy of ``schema`` where an ``allOf`` of one schema, beside annotations only, is that schema.

    Older pydantic wraps a described reference so, ``{"allOf": [{"$ref": "#/$defs/Pet"}],
    "description": ...}``; the same values match the schema inside, which the grammar can
    enforce (an ``allOf`` of several schemas is still refused by :func:`check_enforceable`).
    """
    def inline(n: dict, kinds: list) -> None:
        one, beside = n.get("allOf"), set(n) - {"allOf"}
        if isinstance(one, list) and len(one) == 1 and isinstance(one[0], dict) and beside <= set(ANNOTATIONS):
            entry = n.pop("allOf")[0]
            n.update({**entry, **n})  # the annotations beside it win over the entry's own

    return _each_subschema(schema, inline)


def closed(schema: object) -> object:
    """A copy of ``schema`` where every object that leaves ``additionalProperties`` unset gets ``false``.

    Only the declared properties is a valid value of an open object, and the tiny model, let
    free, invents keys until its token limit; a schema that asks for extras (``true`` or a
    schema) keeps them.
    """
    def close(n: dict, kinds: list) -> None:
        if ("object" in kinds or "properties" in n) and "additionalProperties" not in n:
            n["additionalProperties"] = False

    return _each_subschema(schema, close)


def _each_subschema(schema: object, change) -> object:
    """A copy of ``schema`` with ``change(node, its types)`` applied to every object node, at every depth."""
    node = copy.deepcopy(schema)

    def visit(n: object) -> None:
        if isinstance(n, list):
            for item in n:
                visit(item)
        elif isinstance(n, dict):
            change(n, n.get("type") if isinstance(n.get("type"), list) else [n.get("type")])
            for value in n.values():
                visit(value)

    visit(node)
    return node


_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def violation(value: object, schema: object, root: object = None, path: str = "$") -> str | None:
    """Where ``value`` breaks ``schema`` (a check of what the sandbox enforces), or None if it matches."""
    root = schema if root is None else root
    if schema is True or schema is None:
        return None
    if schema is False:
        return f"{path} is not allowed"
    ref = schema.get("$ref")
    if ref is not None:
        target = root if ref == "#" else root[ref.split("/")[1]][ref.split("/")[2]]
        found = violation(value, target, root, path)
        if found:
            return found
    for word, count in (("anyOf", lambda n: n >= 1), ("oneOf", lambda n: n == 1)):
        if word in schema and not count(sum(violation(value, s, root, path) is None for s in schema[word])):
            return f"{path} matches {'none' if word == 'anyOf' else 'not exactly one'} of its {word} schemas"
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(value, kind) for kind in kinds):
            return f"{path}: {json.dumps(value)[:40]} is not of type {' or '.join(kinds)}"
    if "enum" in schema and value not in schema["enum"]:
        return f"{path}: {json.dumps(value)[:40]} is not one of {json.dumps(schema['enum'])[:60]}"
    if "const" in schema and value != schema["const"]:
        return f"{path}: {json.dumps(value)[:40]} is not {json.dumps(schema['const'])[:40]}"
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
            return f"{path}: the string's length is out of bounds"
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return f"{path}: the string does not match {schema['pattern']!r}"
    if _is(value, "number"):
        for word, ok in (("minimum", value >= schema.get("minimum", value)),
                         ("maximum", value <= schema.get("maximum", value)),
                         ("exclusiveMinimum", "exclusiveMinimum" not in schema or value > schema["exclusiveMinimum"]),
                         ("exclusiveMaximum", "exclusiveMaximum" not in schema or value < schema["exclusiveMaximum"])):
            if not ok:
                return f"{path}: {value} breaks its {word}"
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", len(value)):
            return f"{path}: the array's length is out of bounds"
        for i, item in enumerate(value):
            if found := violation(item, schema.get("items"), root, f"{path}[{i}]"):
                return found
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                return f"{path}: the required property {key!r} is missing"
        props = schema.get("properties", {})
        for key, item in value.items():
            sub = props[key] if key in props else schema.get("additionalProperties")
            if found := violation(item, sub, root, f"{path}.{key}"):
                return found if sub is not False else f"{path}: the property {key!r} is not allowed"
    return None


def _is(value: object, kind: str) -> bool:
    if kind in ("integer", "number"):
        return isinstance(value, int | float) and not isinstance(value, bool) and (
            kind == "number" or float(value).is_integer())
    return isinstance(value, _TYPES.get(kind, object))


class SchemaViolation(APIError):
    """The output broke the schema its grammar carried: the runtime did not enforce it.

    A 4xx, not a 5xx: no sandbox bug to report, and not worth a retry at the same settings.
    """

    def __init__(self, label: str, where: str, text: str) -> None:
        log.error("output broke the schema of %s (%s); the grammar was not enforced: %.200r", label, where, text)
        super().__init__(422, f"The sandbox's model wrote output that does not match the schema of {label} "
                         f"({where}): its grammar was not enforced. The sandbox's log has the output.",
                         type="server_error", code="schema_violation", headers={"x-should-retry": "false"})


def example(grammar: str) -> str:
    """The smallest JSON a grammar from :func:`json_grammar` or :func:`tools_grammar` allows (the scripted
    engine's answer: it cannot sample from a grammar)."""
    root = json.loads(grammar.split("%json ", 1)[1].rsplit("\n", 1)[0])

    def build(node: object) -> object:
        if not isinstance(node, dict):
            return None
        if "$ref" in node:
            ref = node["$ref"].split("/")
            return build(root if len(ref) == 1 else root[ref[1]][ref[2]])
        if "const" in node or "enum" in node:
            return node["const"] if "const" in node else node["enum"][0]
        if "anyOf" in node or "oneOf" in node:
            return build((node.get("anyOf") or node["oneOf"])[0])
        kind = node.get("type")
        kind = kind[0] if isinstance(kind, list) else kind or ("object" if "properties" in node else "null")
        if kind == "object":
            return {key: build(node["properties"].get(key)) for key in node.get("required", [])}
        if kind == "array":
            return [build(node.get("items")) for _ in range(node.get("minItems", 0))]
        if kind in ("integer", "number"):
            return node.get("minimum", 0)
        return {"string": "x" * node.get("minLength", 0), "boolean": False}.get(kind)

    try:
        return json.dumps(build(root), ensure_ascii=False)
    except (LookupError, TypeError, AttributeError):  # a schema no value matches: checked after, as any output
        return "null"


def bounded(schema: object) -> object:
    """A copy of ``schema`` with a length bound on strings and arrays that have none."""
    def bound(n: dict, kinds: list) -> None:
        if "string" in kinds and "enum" not in n and "const" not in n and "format" not in n:
            n.setdefault("maxLength", MAX_STRING)
        if "array" in kinds:
            n.setdefault("maxItems", MAX_ITEMS)

    return _each_subschema(schema, bound)


_SCALAR = [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "null"}]
_VALUE = _SCALAR + [{"type": "array", "items": {"anyOf": _SCALAR}}]
# json_object mode: any object, two levels deep at most and a dozen keys each, so that the
# tiny model's answer ends well inside its token limit.
ANY_OBJECT = {"type": "object", "maxProperties": 12, "additionalProperties": {"anyOf": _VALUE + [
    {"type": "object", "maxProperties": 12, "additionalProperties": {"anyOf": _VALUE}}]}}


# One line of JSON with Python's separators: with free whitespace the tiny model can loop
# on blank lines until its token limit.
COMPACT = {"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "}


def _json_rule(schema: object) -> str:
    return "%json " + json.dumps({**bounded(closed(schema)), "x-guidance": COMPACT}, ensure_ascii=False)


def json_grammar(schema: dict | None) -> str:
    """A grammar for one JSON value matching ``schema`` (any JSON object when None)."""
    return f"%llguidance {{}}\nstart: {_json_rule(ANY_OBJECT if schema is None else schema)}\n"


def calls_schema(tools: list[dict], parallel: bool) -> dict:
    """What the model writes to call tools: ``{"tool_calls": [{"name": ..., "arguments": {...}}]}``."""
    defs: dict = {}
    options = []
    for t in tools:
        arguments, own = embedded(t.get("parameters") or {"type": "object", "properties": {}}, f"{t['name']}.")
        defs.update(own)
        options.append({"type": "object", "additionalProperties": False, "required": ["name", "arguments"],
                        "properties": {"name": {"const": t["name"]}, "arguments": arguments}})
    call = options[0] if len(options) == 1 else {"anyOf": options}
    schema = {"type": "object", "additionalProperties": False, "required": ["tool_calls"],
              "properties": {"tool_calls": {"type": "array", "items": call, "minItems": 1,
                                            "maxItems": MAX_PARALLEL_CALLS if parallel else 1}}}
    return {**schema, "$defs": defs} if defs else schema


def embedded(schema: dict, prefix: str) -> tuple[dict, dict]:
    """``schema`` ready to sit inside another one: its definitions moved out, named ``prefix`` + name.

    A reference such as ``#/$defs/Table`` only resolves at the root of a document, so a
    tool's definitions go to the root of the tool-call schema, with its references renamed.
    """
    node = copy.deepcopy(schema)
    defs = {prefix + name: sub for key in ("$defs", "definitions") for name, sub in node.pop(key, {}).items()}
    if _refers_to_root(node):
        defs[prefix + "#"] = node

    def rename(n: object) -> None:
        if isinstance(n, list):
            for item in n:
                rename(item)
        elif isinstance(n, dict):
            ref = n.get("$ref")
            if isinstance(ref, str) and ref.startswith("#") and not ref.startswith(f"#/$defs/{prefix}"):
                name = ref.split("/")[-1] if "/" in ref else "#"
                n["$ref"] = f"#/$defs/{prefix}{name}"
            for value in n.values():
                rename(value)

    rename(node)
    rename(list(defs.values()))
    return node, defs


def _refers_to_root(node: object) -> bool:
    if isinstance(node, dict):
        return node.get("$ref") == "#" or any(_refers_to_root(v) for v in node.values())
    return isinstance(node, list) and any(_refers_to_root(v) for v in node)


def tools_grammar(tools: list[dict], parallel: bool) -> str:
    """A grammar for one or more calls of ``tools``, nothing else."""
    return f"%llguidance {{}}\nstart: {_json_rule(calls_schema(tools, parallel))}\n"


def tools_prompt(tools: list[dict]) -> str:
    """The instructions that show the model its tools, added to the system message."""
    lines = ["You can call these functions. To call one, answer only with JSON like "
             '{"tool_calls": [{"name": "NAME", "arguments": {...}}]}.']
    for t in tools:
        props = (t.get("parameters") or {}).get("properties", {})
        args = ", ".join(f"{name}: {_kind(spec)}" for name, spec in props.items())
        lines.append(f"- {t['name']}({args}): {t.get('description') or ''}".rstrip(": "))
    return "\n".join(lines)


def _kind(spec: object) -> str:
    """A short type for the prompt: string, integer, one of 'a'|'b', list of string…"""
    if not isinstance(spec, dict):
        return "any"
    if "enum" in spec:
        return "|".join(json.dumps(v) for v in spec["enum"])
    if "anyOf" in spec:
        return " or ".join(_kind(s) for s in spec["anyOf"])
    if spec.get("type") == "array":
        return f"list of {_kind(spec.get('items'))}"
    if "$ref" in spec:
        return "object"
    return str(spec.get("type", "any"))


def calls_text(calls: list[dict]) -> str:
    """How an earlier tool call appears in the prompt: the JSON the model writes for one."""
    return json.dumps({"tool_calls": [{"name": c["name"], "arguments": _loads(c["arguments"])} for c in calls]},
                      ensure_ascii=False)


def parse_calls(text: str, tools: list[dict]) -> list[dict] | None:
    """The tool calls in the model's output, or None when it answered instead."""
    data = _loads(text)
    names = {t["name"] for t in tools}
    if not (isinstance(data, dict) and set(data) == {"tool_calls"} and isinstance(data["tool_calls"], list)):
        return None
    calls = [c for c in data["tool_calls"] if isinstance(c, dict) and c.get("name") in names]
    if not calls:
        return None
    return [{"call_id": "call_" + secrets.token_hex(12), "name": c["name"],
             "arguments": json.dumps(c.get("arguments", {}), ensure_ascii=False)} for c in calls]


def _loads(text: str) -> object:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


# --- one plan for a request, shared by Chat Completions and Responses ---------------

class Plan:
    """What a request asks of the output: an answer format (named ``label`` in errors), tools, and how to choose."""

    def __init__(self, tools: list[dict] | None = None, choice: str = "auto", parallel: bool = True,
                 answer: dict | None = None, label: str = "the answer") -> None:
        self.tools, self.choice, self.parallel, self.answer, self.label = tools or [], choice, parallel, answer, label

    @property
    def calling(self) -> bool:
        return bool(self.tools) and self.choice != "none"

    def decide(self, last_role: str) -> Plan:
        """Resolve ``auto`` the way a capable model usually does, which the tiny one cannot judge:
        after a user's message, call a tool; after a tool's result, answer."""
        if self.choice == "auto" and self.tools:
            self.choice = "none" if last_role == "tool" else "required"
        return self

    @property
    def named(self) -> bool:
        return self.choice not in ("auto", "required", "none")

    def offered(self) -> list[dict]:
        """The tools the grammar lets the model call: the one named by ``tool_choice``, or all."""
        return [t for t in self.tools if t["name"] == self.choice] if self.named else self.tools

    def grammar(self) -> str | None:
        if self.calling:  # a function named by tool_choice is called exactly once, as on the platform
            return tools_grammar(self.offered(), self.parallel and not self.named)
        return json_grammar(self.answer) if self.answer is not None else None

    def system_text(self) -> str | None:
        return tools_prompt(self.tools) if self.calling else None

    def read(self, text: str, finish_reason: str | None) -> list[dict] | None:
        """The tool calls in the output (None for an answer), checked against their schemas.

        The grammar forces a call whenever tools are offered, so output cut off by the token
        limit is a call too: its last one with partial arguments and ``"status": "incomplete"``.
        Raises :class:`SchemaViolation` when complete output breaks its schema.
        """
        if not self.calling:
            if self.answer is not None and finish_reason == "stop":
                data = _loads(text)
                where = "not JSON" if data is text else violation(data, closed(self.answer))
                if where:
                    raise SchemaViolation(self.label, where, text)
            return None
        if finish_reason == "length":
            return cut_calls(text, self.offered())
        calls = parse_calls(text, self.offered())
        if calls is None:
            if finish_reason == "stop":
                raise SchemaViolation("the tool calls", "not a call of an offered function", text)
            return None
        for call in calls:
            tool = next(t for t in self.tools if t["name"] == call["name"])
            where = violation(json.loads(call["arguments"]), closed(tool.get("parameters") or {}))
            if where:
                raise SchemaViolation(f"function '{call['name']}'", where, text)
        return calls


_CALL = re.compile(r'\{"name": ("(?:[^"\\]|\\.)*"), "arguments": ')


def cut_calls(text: str, tools: list[dict]) -> list[dict]:
    """The calls in output the token limit cut short: the complete ones, then the cut one.

    The grammar writes ``{"tool_calls": [{"name": ..., "arguments": ...}, ...`` with fixed
    separators, so each call is found where the last one ended.
    """
    decoder, calls, at = json.JSONDecoder(), [], len('{"tool_calls": [')
    while match := _CALL.match(text, at):
        call = {"call_id": "call_" + secrets.token_hex(12), "name": json.loads(match.group(1))}
        calls.append(call)
        try:
            arguments, at = decoder.raw_decode(text, match.end())
        except ValueError:
            return calls[:-1] + [{**call, "arguments": text[match.end():], "status": "incomplete"}]
        call["arguments"] = json.dumps(arguments, ensure_ascii=False)
        at += len("}, ")
    # Cut inside a name: the offered function it begins (one is always offered).
    begun = text[at:].partition('{"name": "')[2]
    name = next((t["name"] for t in tools if t["name"].startswith(begun)), tools[0]["name"])
    return calls + [{"call_id": "call_" + secrets.token_hex(12), "name": name, "arguments": "",
                     "status": "incomplete"}]


def check_tools(tools: list[dict], choice: object, where: str) -> str:
    """Validate tools (``where(i)`` names the parameters' param), their parameters :func:`inlined` in place,
    and return the choice as a string."""
    for i, tool in enumerate(tools):
        check_name(tool["name"], where(i).rsplit(".", 1)[0] + ".name")
        if tool.get("parameters") is not None:
            tool["parameters"] = inlined(tool["parameters"])
            check_shape(tool["parameters"], f"function '{tool['name']}'", where(i))
            if tool.get("strict"):
                check_strict(tool["parameters"], f"function '{tool['name']}'", where(i))
            check_enforceable(tool["parameters"], f"function '{tool['name']}'", where(i))
    if choice is None:
        return "auto"
    if not tools and choice != "none":
        raise APIError(400, "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are "
                       "specified.", param="tool_choice", code="invalid_value")
    if isinstance(choice, str):
        return choice
    if choice not in {t["name"] for t in tools}:
        raise APIError(400, f"Invalid value for 'tool_choice': no function named '{choice}' in 'tools'.",
                       param="tool_choice", code="invalid_value")
    return choice


def answer_schema(kind: str, name: str | None, schema: dict | None, strict: bool | None,
                  param: str, label: str, texts: list[str], input_param: str) -> dict | None:
    """The schema an answer must match for a response format, after the platform's checks."""
    if kind == "text":
        return None
    if kind == "json_object":
        if not any("json" in t.lower() for t in texts):
            raise APIError(400, f"'{input_param}' must contain the word 'json' in some form, to use "
                           f"'{param}' of type 'json_object'.", param=input_param)
        return ANY_OBJECT
    check_name(name or "", f"{param}.name")
    if schema is None:
        raise APIError(400, f"Missing required parameter: '{param}.schema'.", param=f"{param}.schema",
                       code="missing_required_parameter")
    schema = inlined(schema)
    check_shape(schema, f"{label} '{name}'", param)
    if strict:
        check_strict(schema, f"{label} '{name}'", param)
    check_enforceable(schema, f"{label} '{name}'", param)
    return schema
