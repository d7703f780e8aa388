"""Structured outputs and tool calls: a JSON schema in, a grammar the model must follow out.

llama.cpp (through LLGuidance) constrains every sampled token to a grammar built from a
JSON schema, so even the tiny model writes JSON that always parses and matches it. The
same grammar carries tool calls: the model answers with ``{"tool_calls": [...]}``, each
call's ``arguments`` constrained by that function's parameter schema.

Strict schemas are checked first with the platform's rules (an object at the root,
``additionalProperties: false`` and every property required in each object, no
unsupported keywords), and refused with its 400 when they break one.
"""

from __future__ import annotations

import copy
import json
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


def check_name(name: str, param: str) -> None:
    if not NAME.match(name or ""):
        raise APIError(400, f"Invalid '{param}': string does not match pattern. Expected a string that matches "
                       f"the pattern '^[a-zA-Z0-9_-]+$' (at most 64 characters).", param=param,
                       code="invalid_value")


# The keywords the sandbox reads in any schema, and the JSON types JSON Schema's meta-schema allows for each.
SHAPES = {"properties": (dict,), "$defs": (dict,), "definitions": (dict,), "required": (list,), "enum": (list,),
          "anyOf": (list,), "type": (str, list), "$ref": (str,)}
JSON_TYPE = {dict: "object", list: "array", str: "string"}


def check_shape(schema: object, label: str, param: str) -> None:
    """Refuse a schema whose keywords have the wrong JSON type (``"required": 5``) before anything reads them."""
    def walk(node: object, context: tuple) -> None:
        if not isinstance(node, dict):
            return  # true, false: schemas too; anything else is left to the grammar engine, which refuses it
        for word, kinds in SHAPES.items():
            if word in node and not isinstance(node[word], kinds):
                expected = ", ".join(f"'{JSON_TYPE[kind]}'" for kind in kinds)
                raise APIError(400, f"Invalid schema for {label}: In context={context + (word,)!r}, "
                               f"{json.dumps(node[word])[:40]} is not of type {expected}. What each keyword takes: "
                               "https://json-schema.org/understanding-json-schema/reference", param=param)
        for word in ("properties", "$defs", "definitions"):
            for name, sub in node.get(word, {}).items():
                walk(sub, context + (word, name))
        for i, sub in enumerate(node.get("anyOf", [])):
            walk(sub, context + ("anyOf", str(i)))
        for word in ("items", "additionalProperties"):
            walk(node.get(word), context + (word,))

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


def bounded(schema: object) -> object:
    """A copy of ``schema`` with a length bound on strings and arrays that have none."""
    node = copy.deepcopy(schema)

    def visit(n: object) -> None:
        if isinstance(n, list):
            for item in n:
                visit(item)
        elif isinstance(n, dict):
            kinds = n.get("type") if isinstance(n.get("type"), list) else [n.get("type")]
            if "string" in kinds and "enum" not in n and "const" not in n and "format" not in n:
                n.setdefault("maxLength", MAX_STRING)
            if "array" in kinds:
                n.setdefault("maxItems", MAX_ITEMS)
            for value in n.values():
                visit(value)

    visit(node)
    return node


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
    return "%json " + json.dumps({**bounded(schema), "x-guidance": COMPACT}, ensure_ascii=False)


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
    """What a request asks of the output: an answer format, tools, and how to choose."""

    def __init__(self, tools: list[dict] | None = None, choice: str = "auto", parallel: bool = True,
                 answer: dict | None = None) -> None:
        self.tools, self.choice, self.parallel, self.answer = tools or [], choice, parallel, answer

    @property
    def calling(self) -> bool:
        return bool(self.tools) and self.choice != "none"

    def decide(self, last_role: str) -> Plan:
        """Resolve ``auto`` the way a capable model usually does, which the tiny one cannot judge:
        after a user's message, call a tool; after a tool's result, answer."""
        if self.choice == "auto" and self.tools:
            self.choice = "none" if last_role == "tool" else "required"
        return self

    def grammar(self) -> str | None:
        if self.calling:
            named = self.choice not in ("auto", "required")
            return tools_grammar([t for t in self.tools if t["name"] == self.choice] if named else self.tools,
                                 self.parallel)
        return json_grammar(self.answer) if self.answer is not None else None

    def system_text(self) -> str | None:
        return tools_prompt(self.tools) if self.calling else None

    def read(self, text: str) -> list[dict] | None:
        """The tool calls in the output, or None for an answer."""
        return parse_calls(text, self.tools) if self.calling else None


def check_tools(tools: list[dict], choice: object, where: str) -> str:
    """Validate tools (``where(i)`` names the parameters' param) and return the choice as a string."""
    for i, tool in enumerate(tools):
        check_name(tool["name"], where(i).rsplit(".", 1)[0] + ".name")
        if tool.get("parameters") is not None:
            check_shape(tool["parameters"], f"function '{tool['name']}'", where(i))
            if tool.get("strict"):
                check_strict(tool["parameters"], f"function '{tool['name']}'", where(i))
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
    check_shape(schema, f"{label} '{name}'", param)
    if strict:
        check_strict(schema, f"{label} '{name}'", param)
    return schema
